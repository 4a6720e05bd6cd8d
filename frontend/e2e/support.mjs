// Shared by the browser tests: configuration, the Fluent strings the pages must show, a
// small MIME reader for the SMTP sink's files, and page helpers.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE = process.env.LMS_BASE_URL?.replace(/\/+$/, '');
export const MAIL_DIR = process.env.LMS_MAIL_DIR;
export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SHOTS = path.join(HERE, 'screenshots');
export const LOCALES = path.join(HERE, '..', 'locales');

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

/** Single-line Fluent messages without placeables: enough to know what the page must say. */
export function loadMessages(lang) {
  const messages = {};
  const src = fs.readFileSync(path.join(LOCALES, lang, 'main.ftl'), 'utf8');
  for (const line of src.split('\n')) {
    const m = /^([a-z][a-z0-9-]*) = ([^{}]+)$/.exec(line.trimEnd());
    if (m) messages[m[1]] = m[2].trim();
  }
  return messages;
}
export const vi = loadMessages('vi');
export const en = loadMessages('en');

// ---------- a tiny MIME reader for the SMTP sink's files ----------

export function splitMessage(raw) {
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

export function decodeQuotedPrintable(s) {
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

export function decodeBody(body, encoding) {
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
export function mimeLeaves(raw) {
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
export async function waitForMailLink(address, pathname, timeoutMs = 20_000, { token = true } = {}) {
  const deadline = Date.now() + timeoutMs;
  const wanted = address.toLowerCase();
  const tail = token ? `\\?token=[^\\s<>"'&]+` : '';
  const linkRe = new RegExp(`https?://[^\\s<>"']+${pathname.replace(/[/?]/g, '\\$&')}${tail}`);
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
    `no message to ${address} with a ${pathname}${token ? '?token=' : ''} link in ${MAIL_DIR} after ${timeoutMs} ms` +
      ` (${seen} message(s) to that address read)`,
  );
}

// ---------- browser helpers ----------

export function watchConsole(page, errors) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/favicon/i.test(msg.location()?.url || '')) return;
    errors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

export async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

/** Waits for the page's h1 to read `text`; fails early with the server's error box if one shows. */
export async function expectHeading(page, text) {
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

export async function visibleText(locator) {
  await locator.waitFor({ state: 'visible' });
  return (await locator.innerText()).trim();
}


/** Debian's Chromium, headless, as this machine allows. */
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export const skip = !BASE || !MAIL_DIR ? 'set LMS_BASE_URL and LMS_MAIL_DIR to run the browser tests' : false;

/**
 * From a course page, as a visitor: create an account, confirm it by mail, log in from the
 * course page (which brings you back to it) and enrol. Ends on the course page, enrolled.
 */
export async function registerAndEnrol(page, coursePath, { email, password, name }) {
  await page.goto(`${BASE}${coursePath}`);
  await page.getByRole('link', { name: vi['course-register-to-enrol'], exact: true }).click();
  await expectHeading(page, vi['register-heading']);
  await page.getByLabel(vi['field-display-name'], { exact: true }).fill(name);
  await page.getByLabel(vi['field-email'], { exact: true }).fill(email);
  await page.getByLabel(vi['field-password'], { exact: true }).fill(password);
  await page.getByRole('button', { name: vi['register-submit'], exact: true }).click();
  await expectHeading(page, vi['register-done-heading']);
  const link = new URL(await waitForMailLink(email, '/verify'));
  await page.goto(new URL(link.pathname + link.search, BASE).href);
  await expectHeading(page, vi['verify-success-heading']);

  await page.goto(`${BASE}${coursePath}`);
  await page.getByRole('link', { name: vi['course-login-to-enrol'], exact: true }).click();
  await expectHeading(page, vi['login-heading']);
  await page.getByLabel(vi['field-email'], { exact: true }).fill(email);
  await page.getByLabel(vi['field-password'], { exact: true }).fill(password);
  await page.getByRole('button', { name: vi['login-submit'], exact: true }).click();
  await page.waitForURL((url) => url.pathname === coursePath);

  await page.getByRole('button', { name: vi['course-enrol-button'], exact: true }).click();
  const enrolled = page.locator('#enrolled-status');
  await enrolled.waitFor();
  assert.ok((await visibleText(enrolled)).includes(vi['course-enrolled']));
}
