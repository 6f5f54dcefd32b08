// The staff's inventory page: restock, a new price, a new flower with its own photo, and the
// history of each change.
import { expect, test } from "@playwright/test";
import { AccountPages, STAFF } from "./pages/account";
import { CatalogPage } from "./pages/catalog";
import { InventoryPage } from "./pages/staff";

// The smallest valid PNG: one transparent pixel.
const PIXEL = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

test("staff restock, reprice and add a flower with its photo; each change is in its history", async ({ page }) => {
  await new AccountPages(page).signIn(STAFF.email, STAFF.password);
  const inventory = new InventoryPage(page);
  await inventory.open();
  const lavender = inventory.row("dried-lavender");
  const onHand = Number(await lavender.locator(".on-hand").innerText());

  await lavender.getByLabel("입고 수량").fill("7");
  await lavender.getByLabel("입고 이유").fill("화요일 꽃시장");
  await lavender.getByRole("button", { name: "입고" }).click();
  await expect(lavender.locator(".on-hand")).toHaveText(String(onHand + 7));

  await lavender.getByLabel("새 가격 (원)").fill("27000");
  await lavender.getByLabel("가격 변경 이유").fill("겨울 가격");
  await lavender.getByRole("button", { name: "가격 변경" }).click();
  await expect(lavender.locator("td").first()).toHaveText("₩27,000");

  await lavender.getByRole("button", { name: "기록" }).click();
  const history = lavender.locator(".history li");
  await expect(history.first()).toContainText("겨울 가격");
  await expect(history.first()).toContainText(STAFF.email);
  await expect(lavender.locator(".history")).toContainText("화요일 꽃시장");

  // A mistake is named next to its field.
  await lavender.getByLabel("입고 수량").fill("0");
  await lavender.getByRole("button", { name: "입고" }).click();
  await expect(lavender.locator("#quantity-error")).toContainText("수량");

  const form = page.locator("form.add-flower");
  await form.getByLabel("주소 이름 (영문)").fill("winter-camellia");
  await form.getByLabel("이름 (한국어)").fill("겨울 동백");
  await form.getByLabel("이름 (영어)").fill("Winter Camellia");
  await form.getByLabel("설명 (한국어)").fill("붉은 동백 다섯 송이");
  await form.getByLabel("설명 (영어)").fill("Five red camellias");
  await form.getByLabel("가격 (원)").fill("38000");
  await form.getByLabel("처음 수량").fill("6");
  await form.getByLabel(/사진 올리기/).setInputFiles({ name: "camellia.png", mimeType: "image/png", buffer: PIXEL });
  await form.getByRole("button", { name: "추가" }).click();
  const camellia = inventory.row("winter-camellia");
  await expect(camellia).toBeVisible();
  await expect(camellia.locator(".available")).toHaveText("6");
  await page.screenshot({ path: "screenshots/staff-inventory.png", fullPage: true });

  const catalog = new CatalogPage(page);
  await catalog.open();
  const card = catalog.card("winter-camellia");
  await expect(card).toContainText("겨울 동백");
  await expect(card.locator("img")).toHaveAttribute("src", "/pictures/winter-camellia");
  const picture = await page.request.get("/pictures/winter-camellia");
  expect(picture.headers()["content-type"]).toBe("image/png");
});
