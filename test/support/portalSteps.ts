/**
 * What an admin does in the portal, in words a browser test reads: signing in and out, opening a
 * section, choosing from a Fluent dropdown. Locators go by role and accessible name, as a screen
 * reader would find the controls.
 */
import type { Locator, Page } from 'playwright-core';

export async function signIn(page: Page, url: string, role: string, upn: string, tenantId?: string) {
  await page.goto(url);
  // Whoever was signed in on this page before signs out first.
  await page.evaluate('sessionStorage.clear()');
  await page.reload();
  await choose(page, 'Role', role);
  if (tenantId) await field(page, 'Tenant ID').fill(tenantId);
  await field(page, 'User (UPN)').fill(upn);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function signOut(page: Page) {
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
}

export async function openSection(page: Page, name: string) {
  await page.getByRole('tab', { name }).click();
}

/** Picks an option of a Fluent Dropdown (a combobox with a listbox of options). */
export async function choose(page: Page, label: string, option: string) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/**
 * A text or number input by its accessible name (a Fluent Field's label without the required
 * mark, which getByLabel's exact match would include).
 */
export function field(page: Page, name: string): Locator {
  return page
    .getByRole('textbox', { name, exact: true })
    .or(page.getByRole('spinbutton', { name, exact: true }));
}
