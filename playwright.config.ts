import { defineConfig } from "@playwright/test";

// Real Chromium from Debian (Playwright's own browser download does not work here).
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/playwright",
  globalSetup: "./e2e/global-setup.ts",
  timeout: 60_000,
  workers: 1,
  fullyParallel: false,
  retries: 0,
  // The audit-completeness check reads what the whole suite did, so it runs last.
  projects: [
    { name: "console", testIgnore: /\.check\.ts$/ },
    { name: "audit-completeness", testMatch: /audit-completeness\.check\.ts$/, dependencies: ["console"] },
  ],
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  use: {
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
});
