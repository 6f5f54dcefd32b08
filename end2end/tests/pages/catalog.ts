// Page object for the catalog (the storefront's home page).
import { expect, type Locator, type Page } from "@playwright/test";

export class CatalogPage {
  readonly cards: Locator;
  readonly visibleCards: Locator;
  readonly search: Locator;
  readonly resultCount: Locator;

  constructor(readonly page: Page) {
    this.cards = page.locator("li.flower-card");
    this.visibleCards = page.locator("li.flower-card:not([hidden])");
    this.search = page.getByLabel("꽃 찾기");
    this.resultCount = page.locator(".result-count");
  }

  async open() {
    await this.page.goto("/");
    // Effects run only in the browser: this attribute appears once hydration finished.
    await expect(this.page.locator("body")).toHaveAttribute("data-hydrated", "true");
  }

  card(slug: string): Locator {
    return this.page.locator(`li.flower-card[data-slug="${slug}"]`);
  }

  async searchFor(text: string) {
    await this.search.fill(text);
  }
}
