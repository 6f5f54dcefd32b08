// The storefront shows the whole catalog in server-rendered HTML and filters it once hydrated.
import { expect, test } from "@playwright/test";
import { CatalogPage } from "./pages/catalog";

// What the demo catalog holds (contexts/inventory/demo-catalog.json).
import catalog from "../../contexts/inventory/demo-catalog.json";

const won = (amount: number) => `₩${amount.toLocaleString("en-US")}`;

test("the server-rendered catalog shows every flower with its name, price and picture", async ({ request }) => {
  const response = await request.get("/");
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(catalog.length).toBeGreaterThanOrEqual(12);
  for (const flower of catalog) {
    expect(html, flower.slug).toContain(flower.name.ko);
    expect(html, flower.slug).toContain(won(flower.price_won));
    expect(html, flower.slug).toContain(`src="/flowers/${flower.slug}.svg"`);
  }
});

test("every flower picture is served as an SVG", async ({ request }) => {
  for (const flower of catalog) {
    const response = await request.get(`/flowers/${flower.slug}.svg`);
    expect(response.status(), flower.slug).toBe(200);
    expect(response.headers()["content-type"]).toContain("image/svg+xml");
  }
});

test("searching filters the flowers after hydration", async ({ page }) => {
  const shop = new CatalogPage(page);
  await shop.open();
  await expect(shop.cards).toHaveCount(catalog.length);
  await expect(shop.resultCount).toContainText(`꽃 ${catalog.length}종`);

  await shop.searchFor("장미");
  await expect(shop.visibleCards).toHaveCount(1);
  await expect(shop.card("red-rose-bouquet")).toBeVisible();
  await expect(shop.resultCount).toContainText("검색 결과 1종");

  await shop.searchFor("tulip");
  await expect(shop.visibleCards).toHaveCount(1);
  await expect(shop.card("pink-tulips")).toBeVisible();

  await shop.searchFor("없는꽃");
  await expect(shop.visibleCards).toHaveCount(0);
  await expect(page.getByText("찾는 꽃이 없어요")).toBeVisible();

  await shop.searchFor("");
  await expect(shop.visibleCards).toHaveCount(catalog.length);
  await page.screenshot({ path: "screenshots/catalog.png", fullPage: true });
});

test("an unknown address gets a helpful not-found page", async ({ page }) => {
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "페이지를 찾을 수 없어요" })).toBeVisible();
});
