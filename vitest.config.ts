import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

export default defineConfig({
  resolve: { alias: { "@": root } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "components/**/*.test.tsx"],
          exclude: ["lib/**/*.int.test.ts", "**/node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["lib/**/*.int.test.ts"],
          globalSetup: [path.join(root, "lib/testing/global-setup.ts")],
          // Real Postgres and the Prisma CLI on two cores: allow for slow starts.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
