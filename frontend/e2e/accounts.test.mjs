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
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = process.env.LMS_BASE_URL?.replace(/\/+$/, '');
const MAIL_DIR = process.env.LMS_MAIL_DIR;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(HERE, 'screenshots');
const LOCALES = path.join(HERE, '..', 'locales');

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

/** Single-line Fluent messages without placeables: enough to know what the page must say. */
function loadMessages(lang) {
  const messages = {};
  const src = fs.readFileSync(path.join(LOCALES, lang, 'main.ftl'), 'utf8');
  for (const line of src.split('\n')) {
    const m = /^([a-z][a-z0-9-]*) = ([^{}]+)$/.exec(line.trimEnd());
    if (m) messages[m[1]] = m[2].trim();
  }
  return messages;
}
const vi = loadMessages('vi');
const en = loadMessages('en');

// ---------- a tiny MIME reader for the SMTP sink's files ----------

function splitMessage(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

function decodeQuotedPrintable(s) {
  const text = s.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body, encoding) {
  switch ((encoding || '').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

/** Every leaf part of a message as { type, text }, transfer encodings undone. */
function mimeLeaves(raw) {
  const { headers, body } = splitMessage(raw);
  const type = (headers['content-type'] || 'text/plain').toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'])?.[1];
    if (!boundary) return [];
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((part) => !part.startsWith('--'))
      .flatMap((part) => mimeLeaves(part.replace(/^\r?\n/, '')));
  }
  return [{ type, headers, text: decodeBody(body, headers['content-transfer-encoding']) }];
}

/**
 * Waits until LMS_MAIL_DIR holds a message to `address` with a `<pathname>?token=` link, and
 * returns that link. A file still being written simply fails to parse and is read again.
 */
async function waitForMailLink(address, pathname, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  const wanted = address.toLowerCase();
  const linkRe = new RegExp(`https?://[^\\s<>"']+${pathname.replace(/[/?]/g, '\\$&')}\\?token=[^\\s<>"'&]+`);
  let seen = 0;
  while (Date.now() < deadline) {
    const files = fs.existsSync(MAIL_DIR) ? fs.readdirSync(MAIL_DIR).filter((f) => f.endsWith('.eml')) : [];
    for (const file of files) {
      let raw;
      try {
        raw = fs.readFileSync(path.join(MAIL_DIR, file), 'utf8');
      } catch {
        continue; // removed or renamed right now
      }
      const { headers } = splitMessage(raw);
      if (!(headers.to || '').toLowerCase().includes(wanted)) continue;
      seen += 1;
      // Prefer the plain-text part; undo HTML escaping in case only the HTML part has the link.
      const isPlain = (part) => Number(part.type.startsWith('text/plain'));
      const parts = mimeLeaves(raw).sort((a, b) => isPlain(b) - isPlain(a));
      for (const part of parts) {
        const m = linkRe.exec(part.text.replace(/&#x3D;/gi, '=').replace(/&amp;/g, '&'));
        if (m) return m[0];
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `no message to ${address} with a ${pathname}?token= link in ${MAIL_DIR} after ${timeoutMs} ms` +
      ` (${seen} message(s) to that address read)`,
  );
}

// ---------- browser helpers ----------

function watchConsole(page, errors) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/favicon/i.test(msg.location()?.url || '')) return;
    errors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

/** Waits for the page's h1 to read `text`; fails early with the server's error box if one shows. */
async function expectHeading(page, text) {
  const heading = page.getByRole('heading', { level: 1, name: text, exact: true });
  const problem = page.locator('#error-summary');
  try {
    await heading.or(problem).first().waitFor({ state: 'visible' });
  } catch (err) {
    const h1 = await page.locator('h1').allInnerTexts().catch(() => []);
    throw new Error(`expected heading "${text}" on ${page.url()}, page shows ${JSON.stringify(h1)}`, { cause: err });
  }
  if (await problem.isVisible()) {
    const reported = (await problem.innerText()).trim();
    assert.fail(`expected heading "${text}" on ${page.url()}, but the server reported: ${reported}`);
  }
}

async function visibleText(locator) {
  await locator.waitFor({ state: 'visible' });
  return (await locator.innerText()).trim();
}

// ---------- the test ----------

const skip = !BASE || !MAIL_DIR ? 'set LMS_BASE_URL and LMS_MAIL_DIR to run the browser tests' : false;

test('register, confirm the email, log in, switch language, log out', { skip, timeout: 120_000 }, async (t) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
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
