// End-to-end: an anonymous visitor on a phone finds a course by a search without diacritics,
// reads its syllabus (no quiz answers in the page), creates an account, confirms it, logs in
// from the course page and enrols for free.
//
// Needs the course of tests/fixtures/courses/quyen-con-nguoi-mau imported with --publish
// (scripts/e2e.sh does it); the media worker transcodes its video and publishes it, so the
// test waits up to a minute for it to appear in the catalogue.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { BASE, SHOTS, PHONE, vi, en, watchConsole, shot, expectHeading, visibleText, launch, skip, registerAndEnrol } from './support.mjs';

const COURSE_TITLE = 'Quyền con người: bài học mẫu';
const COURSE_TITLE_EN = 'Human rights: a sample lesson';

test('find a course without diacritics, register and enrol, on a phone', { skip, timeout: 180_000 }, async (t) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await launch();
  t.after(() => browser.close());
  const context = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const consoleErrors = [];
  watchConsole(page, consoleErrors);

  try {
    // The course appears once its video is transcoded (auto-publish).
    const deadline = Date.now() + 90_000;
    for (;;) {
      await page.goto(`${BASE}/courses`);
      if ((await page.locator('.card-title a', { hasText: COURSE_TITLE }).count()) > 0) break;
      assert.ok(Date.now() < deadline, 'the fixture course was not published within 90 s (is the media worker running?)');
      await page.waitForTimeout(1_000);
    }
    await expectHeading(page, vi['catalogue-heading']);

    // Search the way people type on a phone: no diacritics, any case.
    await page.getByLabel(vi['catalogue-search-label'], { exact: true }).fill('QUYEN con nguoi');
    await page.getByRole('button', { name: vi['catalogue-search-submit'], exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === 'QUYEN con nguoi');
    const result = page.locator('.card-title a', { hasText: COURSE_TITLE });
    await result.waitFor();
    assert.equal(await page.locator('.card').count(), 1, 'exactly the matching course');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal scrolling (scrollWidth ${width})`);
    await shot(page, '10-catalogue-search-phone');

    // A search that matches nothing says so.
    await page.goto(`${BASE}/courses?q=khong-co-khoa-hoc-nao`);
    assert.equal(await page.locator('.card').count(), 0);

    // The course page: syllabus, no quiz answers, and a way to enrol.
    await page.goto(`${BASE}/courses?q=quyen+con+nguoi`);
    await page.locator('.card-title a', { hasText: COURSE_TITLE }).click();
    await expectHeading(page, COURSE_TITLE);
    const main = await page.locator('main').innerText();
    assert.ok(main.includes('Mở đầu về quyền con người'), 'the syllabus lists the module');
    for (const answer of ['Doanh nghiệp', 'Cá nhân', 'Nhà nước']) {
      assert.ok(!main.includes(answer), `the page does not reveal quiz options (${answer})`);
    }
    const html = await page.content();
    assert.ok(!html.includes('Doanh nghiệp'), 'no quiz option anywhere in the HTML');
    await shot(page, '11-course-anonymous-phone');
    const coursePath = new URL(page.url()).pathname;

    // Create an account from the course page, confirm it, log in and enrol.
    await registerAndEnrol(page, coursePath, {
      email: `e2e-enrol-${Date.now()}-${process.pid}@example.test`,
      password: 'mật-khẩu-ghi-danh-2025',
      name: 'Lê Thị Thu Hà',
    });
    await shot(page, '12-course-enrolled-phone');

    // The same page in English shows the translated course.
    await page.locator('a.lang-switch[hreflang="en"]').click();
    await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
    await expectHeading(page, COURSE_TITLE_EN);
    assert.ok((await visibleText(page.locator('#enrolled-status'))).includes(en['course-enrolled']));
    await shot(page, '13-course-enrolled-en-phone');
  } catch (err) {
    if (!page.isClosed()) await shot(page, 'failure-catalogue').catch(() => {});
    throw err;
  }
  assert.deepEqual(consoleErrors, [], 'no console errors');
});
