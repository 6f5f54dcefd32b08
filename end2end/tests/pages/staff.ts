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
