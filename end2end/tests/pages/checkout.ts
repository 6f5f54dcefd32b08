// Page object for a flower's page and the checkout form.
import { expect, type Page } from "@playwright/test";
import { hydrated } from "./account";

export const CARDS = {
  approves: "4242 4242 4242 4242",
  declines: "4000 0000 0000 0002",
};

/** A delivery date two days ahead, as the date input takes it. */
export function inTwoDays(): string {
  const day = new Date(Date.now() + 2 * 24 * 3600 * 1000);
  return day.toISOString().slice(0, 10);
}

export class CheckoutPage {
  constructor(readonly page: Page) {}

  async open(slug: string, quantity = 1) {
    await this.page.goto(`/checkout?flower=${slug}&quantity=${quantity}`);
    await hydrated(this.page);
    await expect(this.page.getByRole("heading", { name: "주문하기" })).toBeVisible();
  }

  async fill({ card = CARDS.approves, message = "생일 축하해요!" } = {}) {
    await this.page.getByLabel("이름").fill("김하늘");
    await this.page.getByLabel("휴대전화").fill("010-1234-5678");
    await this.page.getByLabel("주소").fill("서울특별시 마포구 양화로 45, 3층");
    await this.page.getByLabel("날짜").fill(inTwoDays());
    await this.page.getByLabel("시간대").selectOption("afternoon");
    await this.page.getByLabel("카드 메시지 (선택)").fill(message);
    await this.page.getByLabel("카드 번호").fill(card);
  }

  async submit() {
    await this.page.getByRole("button", { name: "결제하고 주문하기" }).click();
  }

  /** Places an order and waits for its page; returns the order id. */
  async place(slug: string, options: { quantity?: number; card?: string } = {}): Promise<string> {
    await this.open(slug, options.quantity ?? 1);
    await this.fill({ card: options.card });
    await this.submit();
    await this.page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    return this.page.url().split("/").pop()!;
  }

  fieldError(field: string) {
    return this.page.locator(`#${field}-error`);
  }
}
