// Page objects for the customer's order page and inbox.
import { expect, type Page } from "@playwright/test";
import { hydrated } from "./account";

export class OrderPage {
  constructor(readonly page: Page) {}

  async open(orderId: string) {
    await this.page.goto(`/orders/${orderId}`);
    await hydrated(this.page);
  }

  get status() {
    return this.page.locator(".order-status");
  }

  async expectStage(stage: string) {
    await expect(this.status).toHaveAttribute("data-stage", stage, { timeout: 15_000 });
  }

  timelineStep(step: string) {
    return this.page.locator(`.timeline li[data-step="${step}"]`);
  }

  async cancel() {
    await this.page.getByRole("button", { name: "주문 취소" }).click();
    await this.page.getByRole("button", { name: "네, 취소할게요" }).click();
  }
}

export class InboxPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.goto("/messages");
    await hydrated(this.page);
  }

  messages() {
    return this.page.locator("li.message");
  }

  message(fact: string) {
    return this.page.locator(`li.message[data-fact="${fact}"]`);
  }
}
