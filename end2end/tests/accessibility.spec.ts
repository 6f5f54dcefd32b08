// Every page, for a visitor, a customer and staff: no WCAG 2.1 A or AA violation that axe-core
// finds, usable at 375 px wide (nothing wider than the screen), and the checkout done with the
// keyboard alone.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { AccountPages, STAFF, hydrated } from "./pages/account";
import { CheckoutPage, inTwoDays } from "./pages/checkout";
import { OrderPage } from "./pages/order";
import { DeliveriesPage, shortNumber, tabTo } from "./pages/staff";

const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** Opens `path`, waits for it to settle, and checks it with axe-core and at phone width. */
async function check(page: Page, path: string) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(path);
  await hydrated(page);
  await expect(page.locator(".loading")).toHaveCount(0);
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  const found = violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(found, `axe on ${path}`).toEqual([]);

  await page.setViewportSize({ width: 375, height: 812 });
  await expect(page.locator("main, body").first()).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${path} is wider than a 375 px screen by ${overflow} px`).toBeLessThanOrEqual(0);
}

test("every page a visitor sees passes axe-core and fits a phone", async ({ page }) => {
  for (const path of ["/", "/flower/pink-tulips", "/signin", "/signup", "/no-such-page"]) {
    await check(page, path);
  }
});

test("every page a customer sees passes axe-core and fits a phone", async ({ page }) => {
  await new AccountPages(page).signUp("한결");
  const orderId = await new CheckoutPage(page).place("pink-tulips");
  await new OrderPage(page).expectStage("preparing");
  for (const path of ["/", "/checkout?flower=pink-tulips", "/orders", `/orders/${orderId}`, "/messages", "/account"]) {
    await check(page, path);
  }
});

test("every staff page passes axe-core and fits a phone", async ({ page, browser }) => {
  // Two paid orders: one delivered (the board shows a done card), one still to prepare.
  const customer = await (await browser.newContext({ locale: "ko-KR", timezoneId: "Asia/Seoul" })).newPage();
  await new AccountPages(customer).signUp("누리");
  const checkout = new CheckoutPage(customer);
  const delivered = await checkout.place("white-lily-bouquet");
  await new OrderPage(customer).expectStage("preparing");
  const orderId = await checkout.place("white-lily-bouquet");
  await new OrderPage(customer).expectStage("preparing");

  await new AccountPages(page).signIn(STAFF.email, STAFF.password);
  const board = new DeliveriesPage(page);
  await board.open();
  await board.sendOut(delivered);
  await expect(board.delivery(delivered).getByRole("button", { name: "배달 완료" })).toBeVisible();
  await board.markDelivered(delivered);
  await expect(board.delivery(delivered)).toHaveClass(/status-delivered/);
  for (const path of [
    "/staff",
    "/staff/deliveries",
    "/staff/preparation",
    "/staff/orders",
    `/staff/orders?q=${shortNumber(orderId)}`,
    `/staff/orders/${orderId}`,
    "/staff/inventory",
    "/staff/accounts",
  ]) {
    await check(page, path);
  }
});

test("a customer orders with the keyboard alone", async ({ page }) => {
  await new AccountPages(page).signUp("키보드");
  const checkout = new CheckoutPage(page);
  await checkout.open("pink-tulips");
  const field = (id: string) => page.locator(`#${id}`);
  const typeInto = async (id: string, text: string) => {
    await tabTo(page, field(id));
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type(text);
  };
  await typeInto("quantity", "2");
  await typeInto("recipient_name", "김하늘");
  await typeInto("recipient_phone", "010-1234-5678");
  await typeInto("address", "서울특별시 마포구 양화로 45, 3층");
  // A date field takes its parts in the order it shows them: month, day, year in this
  // Chromium (the order of its own UI language, whatever the page's), each moving on by itself.
  const [year, month, day] = inTwoDays().split("-");
  await tabTo(page, field("delivery_date"));
  await page.keyboard.type(`${month}${day}${year}`);
  await expect(field("delivery_date")).toHaveValue(inTwoDays());
  await tabTo(page, field("window"));
  for (let i = 0; i < 3 && (await field("window").inputValue()) !== "afternoon"; i++) await page.keyboard.press("ArrowDown");
  await expect(field("window")).toHaveValue("afternoon");
  await typeInto("card_message", "키보드로 보낸 꽃");
  await typeInto("card_number", "4242 4242 4242 4242");
  await typeInto("card_expiry", "12/30");
  await typeInto("card_cvc", "123");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
  await new OrderPage(page).expectStage("preparing");
  await expect(page.locator(".order-facts")).toContainText("키보드로 보낸 꽃");
});
