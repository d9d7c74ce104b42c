import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".next/**", "lib/generated/**", "examples/**", "test-results/**", ".data/**", ".scratch/**", "next-env.d.ts"],
  },
  {
    // Pages and routes stay thin: data goes through lib/ verbs, never Prisma directly.
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/lib/db/*", "@/lib/generated/prisma/*", "!@/lib/generated/prisma/enums", "@prisma/*", "pg"], message: "Call a verb in lib/ instead of the database." },
          ],
        },
      ],
    },
  },
  {
    // Playwright fixtures take a `use` callback that is not a React hook.
    files: ["e2e/**/*.ts"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
];

export default config;
