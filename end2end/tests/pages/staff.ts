// Page objects for the staff's delivery schedule and inventory.
import { expect, type Page } from "@playwright/test";
import { hydrated } from "./account";

export class DeliveriesPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.goto("/staff/deliveries");
    await hydrated(this.page);
    await expect(this.page.getByRole("heading", { name: "배달 관리" })).toBeVisible();
  }

  delivery(orderId: string) {
    return this.page.locator(`li.delivery[data-order="${orderId}"]`);
  }

  async sendOut(orderId: string) {
    await this.delivery(orderId).getByRole("button", { name: "배달 출발" }).click();
  }

  async markDelivered(orderId: string) {
    await this.delivery(orderId).getByRole("button", { name: "배달 완료" }).click();
  }
}

export class InventoryPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.goto("/staff/inventory");
    await hydrated(this.page);
  }

  row(slug: string) {
    return this.page.locator(`tr[data-slug="${slug}"]`);
  }
}

/** Presses Tab until `target` has the focus (at most `limit` times): the keyboard reaches it. */
export async function tabTo(page: Page, target: import("@playwright/test").Locator, limit = 80) {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${target}`);
}

/** The short order number customers see: the id's last eight hex digits, upper case. */
export function shortNumber(orderId: string): string {
  return orderId.replace(/-/g, "").slice(-8).toUpperCase();
}
