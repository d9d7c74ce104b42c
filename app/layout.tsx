import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { SandboxBanner } from "@/components/shell/sandbox-banner";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Slipway", template: "%s · Slipway" },
  description: "Build, publish, canary and promote your apps on your own servers.",
};

// Every page renders per request: its scripts must carry that request's CSP
// nonce (proxy.ts), which a page prerendered at build time could not have.
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>
        <SandboxBanner />
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
