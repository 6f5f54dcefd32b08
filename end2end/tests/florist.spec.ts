// The florist's day in the browser: today at a glance, the deliveries board (grouped, printed
// as a day sheet, moved along by keyboard), what to prepare, finding an order, and adding a
// colleague. Screenshots land in end2end/screenshots/.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { AccountPages, STAFF, hydrated } from "./pages/account";
import { CheckoutPage, inTwoDays } from "./pages/checkout";
import { OrderPage } from "./pages/order";
import { DeliveriesPage, shortNumber, tabTo } from "./pages/staff";

async function signedIn(browser: Browser, as: "staff" | "customer"): Promise<Page> {
  const context = await browser.newContext({ locale: "ko-KR", timezoneId: "Asia/Seoul" });
  const page = await context.newPage();
  const account = new AccountPages(page);
  if (as === "staff") await account.signIn(STAFF.email, STAFF.password);
  else await account.signUp("정하나");
  return page;
}

/** A customer's order of two white lilies, paid and being prepared; returns its id. */
async function paidOrder(browser: Browser): Promise<string> {
  const customer = await signedIn(browser, "customer");
  const orderId = await new CheckoutPage(customer).place("white-lily-bouquet", { quantity: 2 });
  await new OrderPage(customer).expectStage("preparing");
  await customer.context().close();
  return orderId;
}

test("the deliveries board groups days and windows, prints a day sheet, and the keyboard sends a delivery out", async ({ browser }) => {
  const orderId = await paidOrder(browser);
  const staff = await signedIn(browser, "staff");
  const board = new DeliveriesPage(staff);
  await board.open();
  const card = board.delivery(orderId);
  const day = staff.locator("article.board-day", { has: card });
  await expect(day.getByRole("heading", { level: 2 })).toContainText(/\d+건 · 남은 배달 \d+건/);
  const window = staff.locator("section.board-window", { has: card });
  await expect(window.getByRole("heading", { level: 3 })).toContainText("오후 12–17시");
  // The phone is written the Korean way, and dials on a phone.
  await expect(card.locator(".phone")).toHaveText("010-1234-5678");
  await expect(card.locator(".phone")).toHaveAttribute("href", "tel:01012345678");
  await expect(card).toContainText(`#${shortNumber(orderId)}`);
  await staff.screenshot({ path: "screenshots/staff-deliveries-board.png", fullPage: true });

  // Printing one day: when the print dialog opens, that day alone is marked for paper.
  await staff.evaluate(() => {
    (window as any).printed = [];
    window.print = () => {
      const board = document.querySelector(".board")!;
      (window as any).printed.push(`${board.classList.contains("printing")}:${document.querySelectorAll(".board-day.print-this").length}`);
    };
  });
  await day.getByRole("button", { name: "이 날 배달표 인쇄" }).click();
  await expect.poll(() => staff.evaluate(() => (window as any).printed)).toEqual(["true:1"]);
  await expect(day).toHaveClass(/print-this/);

  // The courier's day sheet: no menus or buttons on paper, each delivery's day and window.
  await staff.emulateMedia({ media: "print" });
  await expect(staff.locator(".staff-nav")).toBeHidden();
  await expect(card.getByRole("button", { name: "배달 출발" })).toBeHidden();
  await expect(card.locator(".when")).toBeVisible();
  await staff.screenshot({ path: "screenshots/staff-day-sheet.png", fullPage: true });
  await staff.emulateMedia({ media: "screen" });

  // Keyboard only: Tab to the card's button and press Enter.
  const sendOut = card.getByRole("button", { name: "배달 출발" });
  await tabTo(staff, sendOut, 400);
  await staff.keyboard.press("Enter");
  await expect(card.locator(".status")).toContainText("배달 중");
  const delivered = card.getByRole("button", { name: "배달 완료" });
  await tabTo(staff, delivered, 400);
  await staff.keyboard.press("Enter");
  await expect(card).toHaveClass(/status-delivered/);
});

test("the florist finds an order by number, phone or email and opens its timeline", async ({ browser }) => {
  const customer = await signedIn(browser, "customer");
  const email = await customer.evaluate(async () => (await (await fetch("/api/session")).json()).account.email);
  const orderId = await new CheckoutPage(customer).place("pink-tulips");
  await new OrderPage(customer).expectStage("preparing");
  await expect(customer.locator(".order-facts .number")).toHaveText(shortNumber(orderId));
  await expect(customer.locator(".order-facts")).toContainText("010-1234-5678");

  const staff = await signedIn(browser, "staff");
  await staff.goto("/staff/orders");
  await hydrated(staff);
  const search = staff.getByLabel("주문 번호, 받는 분 전화번호 또는 고객 이메일");
  await search.fill(shortNumber(orderId).toLowerCase());
  await search.press("Enter");
  await expect(staff).toHaveURL(/\/staff\/orders\?q=/);
  const found = staff.locator(`li.order-row[data-order="${orderId}"]`);
  await expect(found).toContainText("010-1234-5678");
  await expect(staff.locator("li.order-row")).toHaveCount(1);
  await staff.screenshot({ path: "screenshots/staff-find-order.png", fullPage: true });

  await search.fill(email);
  await search.press("Enter");
  await expect(staff).toHaveURL(new RegExp(`q=${encodeURIComponent(email).replace(/[.+]/g, "\\$&")}`));
  await expect(found).toBeVisible();
  await search.fill("장미");
  await search.press("Enter");
  await expect(staff.locator("#q-error")).toContainText("B1E11036");

  // The address works on its own (a shared link, or before the script loads).
  await staff.goto(`/staff/orders?q=010-1234-5678`);
  await hydrated(staff);
  await staff.locator(`li.order-row[data-order="${orderId}"] a`).click();
  await expect(staff).toHaveURL(`/staff/orders/${orderId}`);
  await expect(staff.locator("table.saga")).toContainText("결제 승인");
});

test("today at a glance and what to prepare follow the orders", async ({ browser }) => {
  const staff = await signedIn(browser, "staff");
  await staff.goto("/staff");
  await hydrated(staff);
  const placed = staff.locator(".figure-placed dd");
  await expect(placed).toHaveText(/\d+건/);
  const before = Number((await placed.innerText()).replace("건", ""));
  const won = async () => Number((await staff.locator(".figure-revenue dd").innerText()).replace(/[^0-9]/g, ""));
  const revenueBefore = await won();

  await paidOrder(browser);
  // Live: the page follows without a reload.
  await expect(placed).toHaveText(`${before + 1}건`);
  await expect.poll(won).toBeGreaterThan(revenueBefore);
  await staff.screenshot({ path: "screenshots/staff-today.png", fullPage: true });

  await staff.goto("/staff/preparation");
  await hydrated(staff);
  // The order's own delivery day (two days ahead), as the page writes it.
  const [year, month, day] = inTwoDays().split("-").map(Number);
  const orderDay = staff.locator("article.prepare-day", { hasText: `${year}년 ${month}월 ${day}일` });
  const lily = orderDay.locator('tr[data-slug="white-lily-bouquet"]');
  await expect(lily.locator(".needed")).toHaveText(/\d+/);
  expect(Number(await lily.locator(".needed").innerText())).toBeGreaterThanOrEqual(2);
  await expect(lily.locator(".restock")).toHaveText(/입고 권장|충분해요/);
  await staff.screenshot({ path: "screenshots/staff-preparation.png", fullPage: true });
});

test("a staff member adds a colleague, who signs in to the staff pages, and removes them again", async ({ browser }) => {
  const staff = await signedIn(browser, "staff");
  await staff.goto("/staff/accounts");
  await hydrated(staff);
  const email = `florist-${Date.now()}@petal.test`;
  const form = staff.locator("form.add-colleague");
  await form.getByLabel("이메일").fill(email);
  await form.getByLabel("이름").fill("박지민");
  await form.getByLabel(/처음 비밀번호/).fill("a first password");
  await form.getByRole("button", { name: "추가" }).click();
  await expect(form.getByRole("status")).toContainText("박지민님을 직원으로 추가했어요");
  const row = staff.locator("table.team tr", { hasText: email });
  await expect(row).toContainText(STAFF.email);
  await staff.screenshot({ path: "screenshots/staff-accounts.png", fullPage: true });

  // The same email again is refused next to its field.
  await form.getByLabel("이메일").fill(email);
  await form.getByLabel("이름").fill("박지민");
  await form.getByLabel(/처음 비밀번호/).fill("a first password");
  await form.getByRole("button", { name: "추가" }).click();
  await expect(staff.locator("#email-error")).toContainText("이미 쓰이는 이메일");

  const colleague = await (await browser.newContext({ locale: "ko-KR" })).newPage();
  await new AccountPages(colleague).signIn(email, "a first password");
  await colleague.getByRole("link", { name: "가게 관리" }).click();
  await expect(colleague.getByRole("heading", { name: "오늘 한눈에" })).toBeVisible();

  // Removing them: nobody can remove themselves or the configured account; their access ends.
  await staff.reload();
  await hydrated(staff);
  await expect(staff.locator(`tr[data-email="${STAFF.email}"] button`)).toHaveCount(0);
  await staff.locator(`tr[data-email="${email}"]`).getByRole("button", { name: "직원에서 빼기" }).click();
  await expect(staff.getByRole("status").first()).toContainText("직원에서 뺐어요");
  await expect(staff.locator(`tr[data-email="${email}"]`)).toHaveCount(0);
  const denied = await colleague.request.get("/api/deliveries");
  expect(denied.status()).toBe(401);
});
