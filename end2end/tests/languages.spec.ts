// Korean by default, English from the browser's language or the switch; phones work too.
import { expect, test } from "@playwright/test";
import { hydrated } from "./pages/account";
import { CatalogPage } from "./pages/catalog";
import catalog from "../../contexts/inventory/demo-catalog.json";

test.describe("in English", () => {
  test.use({ locale: "en-US" });

  test("an English browser gets the shop in English, and can switch to Korean", async ({ page }) => {
    await page.goto("/");
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("heading", { name: "Today's flowers" })).toBeVisible();
    await expect(page.locator(".result-count")).toHaveText(`${catalog.length} flowers`);
    await expect(page.getByText("Red Rose Bouquet").first()).toBeVisible();
    await hydrated(page);
    await page.screenshot({ path: "screenshots/catalog-en.png", fullPage: true });
    await page.getByRole("button", { name: "한국어" }).click();
    await expect(page.getByRole("heading", { name: "오늘의 꽃" })).toBeVisible();
    // The choice is remembered on the next page load.
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  });
});

test("Korean is the default and English is one click away", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await hydrated(page);
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Today's flowers" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });

  test("the catalog and a flower page fit a phone screen", async ({ page }) => {
    const shop = new CatalogPage(page);
    await shop.open();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await shop.card("pink-tulips").getByRole("link").first().click();
    await expect(page.getByRole("heading", { name: "핑크 튤립" })).toBeVisible();
    const flowerWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(flowerWidth).toBeLessThanOrEqual(375);
    await page.screenshot({ path: "screenshots/phone-flower.png", fullPage: true });
  });
});

test("the catalog does not shift when hydration finishes", async ({ page }) => {
  await page.goto("/");
  const before = await page.locator(".flower-grid").boundingBox();
  await hydrated(page);
  await page.waitForTimeout(300);
  const after = await page.locator(".flower-grid").boundingBox();
  expect(after?.y).toBe(before?.y);
  const shift = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries() as any[]) if (!entry.hadRecentInput) total += entry.value;
        }).observe({ type: "layout-shift", buffered: true });
        setTimeout(() => resolve(total), 200);
      }),
  );
  expect(shift).toBeLessThan(0.01);
});

test("every form control on the checkout has a label and the keyboard reaches the submit button", async ({ page }) => {
  await page.goto("/signup");
  await hydrated(page);
  for (const id of ["name", "email", "password"]) {
    await expect(page.locator(`label[for="${id}"]`)).toHaveCount(1);
  }
  await page.locator("#name").focus();
  await page.keyboard.press("Tab");
  await expect(page.locator("#email")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.locator("#password")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "회원가입" })).toBeFocused();
});
