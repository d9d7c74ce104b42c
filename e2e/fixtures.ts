import { test as base, expect, type Page } from "@playwright/test";
import { E2E_ADMIN } from "./global-setup";

// baseURL comes from the platform global-setup started on free ports.
export const test = base.extend({
  baseURL: async ({}, use) => use(process.env.E2E_BASE_URL),
});

export { expect, E2E_ADMIN };

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/projects/);
}
