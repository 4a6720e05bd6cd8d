// End-to-end: register → email confirmation → log in → language switch → log out,
// in a real Chromium against a running server.
//
//   LMS_BASE_URL  the running server, e.g. http://127.0.0.1:18080
//   LMS_MAIL_DIR  directory where the SMTP sink writes every message as a *.eml file
//
// Run: npm run test:e2e   (from frontend/). Screenshots go to e2e/screenshots/.
// Expected strings are read from the Fluent files, so copy edits do not break the test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import {
  BASE, SHOTS, PHONE, DESKTOP, vi, en, waitForMailLink, watchConsole, shot, htmlLang,
  expectHeading, visibleText, launch, skip,
} from './support.mjs';

// ---------- the test ----------

test('register, confirm the email, log in, switch language, log out', { skip, timeout: 120_000 }, async (t) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await launch();
  t.after(() => browser.close());

  const consoleErrors = [];
  const email = `e2e-${Date.now()}-${process.pid}@example.test`;
  const password = 'mật-khẩu-thử-nghiệm-2025';
  const displayName = 'Nguyễn Thị Hồng Nhung';
  let page;

  try {
    // ---- Part 1: on a phone, as a visitor ----
    const phone = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
    page = await phone.newPage();
    page.setDefaultTimeout(10_000);
    watchConsole(page, consoleErrors);

    const home = await page.goto(`${BASE}/`);
    assert.equal(home.status(), 200);
    assert.ok(home.headers()['content-security-policy'], 'pages are served with a Content-Security-Policy');
    assert.equal(await htmlLang(page), 'vi');
    assert.equal(await visibleText(page.locator('h1')), vi['home-title']);
    assert.ok((await page.title()).endsWith(` · ${vi['app-name']}`), 'title is "<page> · <app name>"');
    const phoneWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(phoneWidth <= 390, `no horizontal scrolling on a phone (scrollWidth ${phoneWidth})`);
    await shot(page, '01-home-vi-phone');

    await page.getByRole('link', { name: vi['home-cta-register'], exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/register');
    await expectHeading(page, vi['register-heading']);
    await page.getByLabel(vi['field-display-name'], { exact: true }).fill(displayName);
    await page.getByLabel(vi['field-email'], { exact: true }).fill(email);
    const passwordField = page.getByLabel(vi['field-password'], { exact: true });
    assert.equal(await passwordField.getAttribute('type'), 'password');
    assert.equal(await passwordField.getAttribute('minlength'), '10');
    await passwordField.fill(password);
    await shot(page, '02-register-filled-phone');
    await page.getByRole('button', { name: vi['register-submit'], exact: true }).click();

    await expectHeading(page, vi['register-done-heading']);
    assert.ok((await page.locator('main').innerText()).includes(email), 'the check-your-inbox page names the address');
    await shot(page, '03-register-done-phone');

    const link = new URL(await waitForMailLink(email, '/verify'));
    const verifyUrl = new URL(link.pathname + link.search, BASE); // same host as the browser uses
    const verify = await page.goto(verifyUrl.href);
    assert.equal(verify.status(), 200);
    await expectHeading(page, vi['verify-success-heading']);
    assert.equal(await page.locator('main a[href="/login"]').count() > 0, true, 'offers a link to log in');
    await shot(page, '04-verified-phone');
    await phone.close();

    // ---- Part 2: on a desktop, logging in ----
    const desktop = await browser.newContext({ ...DESKTOP, locale: 'vi-VN' });
    page = await desktop.newPage();
    page.setDefaultTimeout(10_000);
    watchConsole(page, consoleErrors);

    await page.goto(`${BASE}/login`);
    await expectHeading(page, vi['login-heading']);
    await page.getByLabel(vi['field-email'], { exact: true }).fill(email);
    await page.getByLabel(vi['field-password'], { exact: true }).fill(password);
    await page.getByRole('button', { name: vi['login-submit'], exact: true }).click();
    await expectHeading(page, vi['home-title']);
    assert.equal(new URL(page.url()).pathname, '/', 'logging in lands on the home page');

    assert.equal(await htmlLang(page), 'vi');
    assert.equal(await visibleText(page.locator('.nav-user-name')), displayName);
    assert.ok((await visibleText(page.locator('.greeting'))).includes(displayName), 'greets the user by name');
    assert.equal(await page.locator('#verify-needed').count(), 0, 'a confirmed user is not asked to confirm');
    await page.getByRole('button', { name: vi['nav-logout'], exact: true }).waitFor();
    await shot(page, '05-home-logged-in-vi-desktop');

    // ---- Part 3: switch to English and back ----
    const toEnglish = page.locator('a.lang-switch[hreflang="en"]');
    assert.equal(await visibleText(toEnglish), vi['lang-switch']);
    assert.equal(await toEnglish.getAttribute('lang'), 'en');
    await toEnglish.click();
    await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
    assert.equal(new URL(page.url()).pathname, '/', 'the switch returns to the same page');
    assert.equal(await visibleText(page.locator('h1')), en['home-title']);
    await page.getByRole('button', { name: en['nav-logout'], exact: true }).waitFor();
    assert.ok((await visibleText(page.locator('.greeting'))).includes(displayName));
    assert.ok((await page.title()).endsWith(` · ${en['app-name']}`));
    await shot(page, '06-home-en-desktop');

    const toVietnamese = page.locator('a.lang-switch[hreflang="vi"]');
    assert.equal(await visibleText(toVietnamese), en['lang-switch']);
    await toVietnamese.click();
    await page.locator('html[lang="vi"]').waitFor({ state: 'attached' });
    assert.equal(await visibleText(page.locator('h1')), vi['home-title']);

    // ---- Part 4: log out ----
    await page.getByRole('button', { name: vi['nav-logout'], exact: true }).click();
    await page.locator('.site-nav').getByRole('link', { name: vi['nav-login'], exact: true }).waitFor();
    assert.equal(await page.locator('.nav-user-name').count(), 0, 'the name is gone after logging out');
    await shot(page, '07-logged-out-vi-desktop');
    await desktop.close();
  } catch (err) {
    if (page && !page.isClosed()) await shot(page, 'failure').catch(() => {});
    throw err;
  }

  assert.deepEqual(consoleErrors, [], 'no console errors (CSP violations, script errors, failed loads)');
});
