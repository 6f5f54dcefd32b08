// Page objects for signing up and in, and the header every page shares.
import { expect, type Page } from "@playwright/test";

export const STAFF = {
  email: process.env.PETAL_STAFF_EMAIL ?? "staff@petal.test",
  password: process.env.PETAL_STAFF_PASSWORD ?? "a staff password for the browser tests",
};

/** Waits until the page is hydrated (effects only run in the browser). */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

export class Header {
  constructor(readonly page: Page) {}

  get unread() {
    return this.page.locator(".badge.unread");
  }

  async switchLanguage() {
    await this.page.locator(".lang-switch").click();
  }
}

export class AccountPages {
  constructor(readonly page: Page) {}

  /** Signs up a new customer with a fresh email; returns the email. */
  async signUp(name: string): Promise<string> {
    const email = `e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
    await this.page.goto("/signup");
    await hydrated(this.page);
    await this.page.getByLabel("이름").fill(name);
    await this.page.getByLabel("이메일").fill(email);
    await this.page.getByLabel("비밀번호").fill("correct horse battery");
    await this.page.getByRole("button", { name: "회원가입" }).click();
    await this.arrived();
    return email;
  }

  async signIn(email: string, password: string) {
    await this.page.goto("/signin");
    await hydrated(this.page);
    await this.page.getByLabel("이메일").fill(email);
    await this.page.getByLabel("비밀번호").fill(password);
    await this.page.getByRole("button", { name: "로그인" }).click();
    await this.arrived();
  }

  /** Signing in loads the next page afresh: wait until it is there, hydrated and signed in. */
  private async arrived() {
    await this.page.waitForURL((url) => !/^\/sign(in|up)/.test(url.pathname));
    await hydrated(this.page);
    await expect(this.page.getByRole("link", { name: "내 주문" })).toBeVisible();
  }
}
