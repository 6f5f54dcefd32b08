// The customer's and the staff's journeys through the shop, in a real browser.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { AccountPages, Header, STAFF, hydrated } from "./pages/account";
import { CARDS, CheckoutPage } from "./pages/checkout";
import { InboxPage, OrderPage } from "./pages/order";
import { DeliveriesPage } from "./pages/staff";
import { CatalogPage } from "./pages/catalog";

async function staffPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ locale: "ko-KR", timezoneId: "Asia/Seoul" });
  const page = await context.newPage();
  await new AccountPages(page).signIn(STAFF.email, STAFF.password);
  return page;
}

test("browse, sign up, order, watch it paid and prepared live; staff deliver it; the page and inbox follow", async ({ page, browser }) => {
  const catalog = new CatalogPage(page);
  await catalog.open();
  await catalog.card("sunflower-bouquet").getByRole("link").first().click();
  await expect(page.getByRole("heading", { name: "해바라기 꽃다발" })).toBeVisible();
  await hydrated(page);
  await page.getByRole("link", { name: "주문하기" }).click();
  // Signed out: sent to sign in, and back to the checkout after signing up.
  await expect(page).toHaveURL(/\/signin\?next=/);
  await page.getByRole("link", { name: "회원가입" }).last().click();
  await hydrated(page);
  await page.getByLabel("이름").fill("이봄");
  await page.getByLabel("이메일").fill(`e2e-${Date.now()}@example.com`);
  await page.getByLabel("비밀번호").fill("correct horse battery");
  await page.getByRole("button", { name: "회원가입" }).click();
  await expect(page).toHaveURL(/\/checkout\?flower=sunflower-bouquet/);

  const checkout = new CheckoutPage(page);
  await hydrated(page);
  await checkout.fill();
  await expect(page.locator("#card_message-count")).toHaveText(`${150 - "생일 축하해요!".length}자 남음`);
  await checkout.submit();
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
  const orderId = page.url().split("/").pop()!;
  const order = new OrderPage(page);
  await hydrated(page);
  // Paid and preparing arrive over server-sent events, without a reload.
  await order.expectStage("preparing");
  await expect(order.timelineStep("payment_approved")).toBeVisible();

  // A second tab sees the same updates.
  const secondTab = await page.context().newPage();
  const sameOrder = new OrderPage(secondTab);
  await sameOrder.open(orderId);
  await sameOrder.expectStage("preparing");

  const staff = await staffPage(browser);
  const deliveries = new DeliveriesPage(staff);
  await deliveries.open();
  await expect(deliveries.delivery(orderId)).toContainText("생일 축하해요!");
  await deliveries.sendOut(orderId);
  await order.expectStage("out_for_delivery");
  await sameOrder.expectStage("out_for_delivery");
  await expect(deliveries.delivery(orderId).getByRole("button", { name: "배달 완료" })).toBeVisible();
  await deliveries.markDelivered(orderId);
  await order.expectStage("delivered");
  await expect(order.timelineStep("delivered")).toBeVisible();
  await staff.screenshot({ path: "screenshots/staff-deliveries.png", fullPage: true });

  // The unread count in the header follows; the inbox holds a message per step.
  const header = new Header(page);
  await expect(header.unread).toHaveAttribute("data-unread", "5", { timeout: 15_000 });
  const inbox = new InboxPage(page);
  await inbox.open();
  await expect(inbox.messages()).toHaveCount(5);
  await expect(inbox.messages().first()).toHaveAttribute("data-fact", "delivery.delivered");
  await inbox.messages().first().locator("summary").click();
  await expect(header.unread).toHaveAttribute("data-unread", "4");
  await page.screenshot({ path: "screenshots/inbox.png", fullPage: true });
  await order.open(orderId);
  await order.expectStage("delivered");
  await page.screenshot({ path: "screenshots/order-delivered.png", fullPage: true });
});

test("a declined card ends the order as declined, and the customer is told", async ({ page }) => {
  await new AccountPages(page).signUp("박거절");
  const orderId = await new CheckoutPage(page).place("gerbera-bouquet", { card: CARDS.declines });
  const order = new OrderPage(page);
  await hydrated(page);
  await order.expectStage("declined");
  await expect(order.timelineStep("payment_declined")).toBeVisible();
  await expect(page.getByRole("button", { name: "주문 취소" })).toHaveCount(0);
  const inbox = new InboxPage(page);
  await inbox.open();
  await expect(inbox.message("order.rejected")).toBeVisible();
  await order.open(orderId);
  await order.expectStage("declined");
  await page.screenshot({ path: "screenshots/declined.png", fullPage: true });
});

test("cancelling refunds the order and puts the flowers back on the shelf", async ({ page }) => {
  await new AccountPages(page).signUp("최취소");
  const catalog = new CatalogPage(page);
  await catalog.open();
  const availability = catalog.card("peony-bouquet").locator(".availability");
  const before = await availability.innerText();
  const orderId = await new CheckoutPage(page).place("peony-bouquet", { quantity: 2 });
  const order = new OrderPage(page);
  await hydrated(page);
  await order.expectStage("preparing");
  await order.cancel();
  await order.expectStage("cancelled");
  await expect(order.timelineStep("refunded")).toBeVisible({ timeout: 15_000 });
  await page.screenshot({ path: "screenshots/cancelled.png", fullPage: true });
  await catalog.open();
  await expect(availability).toHaveText(before);
  expect(orderId).toMatch(/[0-9a-f-]{36}/);
});

test("cancelling is refused once the flowers have left", async ({ page, browser }) => {
  await new AccountPages(page).signUp("정출발");
  const orderId = await new CheckoutPage(page).place("freesia-bouquet");
  const order = new OrderPage(page);
  await hydrated(page);
  await order.expectStage("preparing");
  // The customer opens the confirmation just as the courier leaves.
  await page.getByRole("button", { name: "주문 취소" }).click();
  const staff = await staffPage(browser);
  const deliveries = new DeliveriesPage(staff);
  await deliveries.open();
  await deliveries.sendOut(orderId);
  await expect(page.locator(".cancel-closed")).toHaveText("꽃이 이미 출발해서 취소할 수 없어요.", { timeout: 15_000 });
  await expect(page.getByRole("button", { name: "주문 취소" })).toHaveCount(0);
  await page.screenshot({ path: "screenshots/cancel-refused.png", fullPage: true });
});

test("ordering more than is left says how many are left, next to the quantity, keeping the form", async ({ page }) => {
  await new AccountPages(page).signUp("한많이");
  const checkout = new CheckoutPage(page);
  await checkout.open("celebration-wreath", 9);
  await checkout.fill();
  await checkout.submit();
  await expect(checkout.fieldError("lines")).toContainText("남은 수량보다 많이 주문하셨어요");
  await expect(checkout.fieldError("lines")).toContainText("left");
  await expect(page.getByLabel("주소")).toHaveValue("서울특별시 마포구 양화로 45, 3층");
  // Another mistake is shown next to its own field.
  await page.getByLabel("휴대전화").fill("12345");
  await page.getByLabel("수량").fill("1");
  await checkout.submit();
  await expect(checkout.fieldError("recipient_phone")).toContainText("010-1234-5678");
  await page.screenshot({ path: "screenshots/checkout-errors.png", fullPage: true });
});

test("a customer cannot open another customer's order or any staff page", async ({ page, browser }) => {
  await new AccountPages(page).signUp("주인");
  const orderId = await new CheckoutPage(page).place("babys-breath");
  const otherContext = await browser.newContext({ locale: "ko-KR" });
  const other = await otherContext.newPage();
  await new AccountPages(other).signUp("남");
  const order = new OrderPage(other);
  await order.open(orderId);
  await expect(other.getByRole("heading", { name: "주문을 찾을 수 없어요" })).toBeVisible();
  await expect(other.locator(".order-facts")).toHaveCount(0);
  for (const path of ["/staff/inventory", "/staff/deliveries", `/staff/orders/${orderId}`]) {
    await other.goto(path);
    await hydrated(other);
    await expect(other.getByRole("heading", { name: "이 페이지는 꽃집 직원만 볼 수 있어요." })).toBeVisible();
  }
  await other.screenshot({ path: "screenshots/staff-only.png", fullPage: true });
  // And a visitor who is not signed in is asked to sign in first.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(`/orders/${orderId}`);
  await expect(visitor).toHaveURL(/\/signin\?next=\/orders\//);
});

test("pressing pay twice places one order", async ({ page }) => {
  await new AccountPages(page).signUp("두번");
  const checkout = new CheckoutPage(page);
  await checkout.open("dried-lavender");
  await checkout.fill();
  await page.getByRole("button", { name: "결제하고 주문하기" }).dblclick();
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
  await page.goto("/orders");
  await hydrated(page);
  await expect(page.locator("li.order-row")).toHaveCount(1);
  await page.screenshot({ path: "screenshots/my-orders.png", fullPage: true });
});
