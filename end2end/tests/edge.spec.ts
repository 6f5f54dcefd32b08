// The shop's edge in a real browser: the security headers on every page, hydration under the
// Content-Security-Policy, sign-in never leading off the shop, and the account page's password
// change and sign-out everywhere.
import { expect, test } from "@playwright/test";
import { AccountPages, hydrated } from "./pages/account";

test.use({ locale: "ko-KR", timezoneId: "Asia/Seoul" });

test("every page carries the security headers and hydrates under the CSP without a violation", async ({ page }) => {
  // Violations are reported to the page itself; collect them before any script runs.
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  for (const path of ["/", "/flower/red-rose-bouquet", "/signin", "/signup", "/no-such-page"]) {
    const response = await page.goto(path);
    const headers = response!.headers();
    const policy = headers["content-security-policy"];
    expect(policy, path).toContain("'wasm-unsafe-eval'");
    expect(policy, path).toContain("frame-ancestors 'none'");
    expect(policy, path).not.toContain("unsafe-inline");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(headers["cache-control"], path).toBe("no-store");
    await hydrated(page);
    expect(await page.evaluate(() => (window as any).__violations), path).toEqual([]);
  }
});

test("after signing in, a next address that leads off the shop goes to the shop's front page", async ({ page }) => {
  const email = await new AccountPages(page).signUp("리다이렉트");
  for (const next of ["/%5Cevil.example", "/%09/evil.example", "//evil.example", "https://evil.example/", "/%5C%5Cevil.example"]) {
    await page.context().clearCookies();
    await page.goto(`/signin?next=${next}`);
    await hydrated(page);
    await page.getByLabel("이메일").fill(email);
    await page.getByLabel("비밀번호").fill("correct horse battery");
    await page.getByRole("button", { name: "로그인" }).click();
    await expect(page.getByRole("link", { name: "내 주문" })).toBeVisible();
    // The header knows the customer before the router has left the sign-in page: wait for it.
    await expect(page, next).toHaveURL((url) => url.hostname === "127.0.0.1" && url.pathname === "/");
  }
  // A local next address is still followed.
  await page.context().clearCookies();
  await page.goto("/signin?next=/orders");
  await hydrated(page);
  await page.getByLabel("이메일").fill(email);
  await page.getByLabel("비밀번호").fill("correct horse battery");
  await page.getByRole("button", { name: "로그인" }).click();
  await expect(page).toHaveURL(/\/orders$/);
});

test("a new password signs the other device out, and signing out everywhere ends this one too", async ({ page, browser }) => {
  const email = await new AccountPages(page).signUp("두 기기");
  const laptop = await (await browser.newContext({ locale: "ko-KR", timezoneId: "Asia/Seoul" })).newPage();
  await new AccountPages(laptop).signIn(email, "correct horse battery");

  await page.getByRole("link", { name: "내 계정" }).click();
  await hydrated(page);
  await page.getByLabel("지금 비밀번호").fill("not the password");
  await page.getByLabel("새 비밀번호").fill("a brand new password");
  await page.getByRole("button", { name: "비밀번호 바꾸기" }).click();
  await expect(page.locator("#current_password-error")).toBeVisible();
  await page.getByLabel("지금 비밀번호").fill("correct horse battery");
  await page.getByRole("button", { name: "비밀번호 바꾸기" }).click();
  await expect(page.getByRole("status")).toHaveText("비밀번호를 바꿨어요.");

  // The laptop's session ended: its next page sends it to sign in.
  await laptop.goto("/orders");
  await expect(laptop).toHaveURL(/\/signin\?next=/);
  await new AccountPages(laptop).signIn(email, "a brand new password");

  // This browser keeps working, then signs out everywhere.
  await page.goto("/orders");
  await hydrated(page);
  await expect(page.getByRole("link", { name: "내 계정" })).toBeVisible();
  await page.goto("/account");
  await hydrated(page);
  await page.getByRole("button", { name: "모든 기기에서 로그아웃" }).click();
  await expect(page.getByRole("link", { name: "로그인" })).toBeVisible();
  await laptop.goto("/orders");
  await expect(laptop).toHaveURL(/\/signin\?next=/);
});
