// End-to-end: a trainer builds a course in the browser — course, module, a video uploaded
// with a live progress bar until the media worker has transcoded it, a GIFT quiz — and
// publishes it; then a visitor on a phone finds it by a search without diacritics,
// registers and enrols for free.
//
// Needs an administrator e2e-admin@lms.localhost / e2e-admin-password (scripts/e2e.sh makes
// one) to create the trainer, the ffmpeg CLI to make the video, and a running media worker
// that accepts short clips.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { BASE, SHOTS, PHONE, DESKTOP, vi, watchConsole, shot, expectHeading, visibleText, launch, skip, registerAndEnrol } from './support.mjs';

const GIFT = `::tt-q1:: Người khuyết tật có quyền tiếp cận thông tin như mọi người. {T}

::tt-q2:: Công ước nào bảo vệ quyền của người khuyết tật? {=CRPD ~CEDAW ~CAT}
`;

async function createTrainer(request, email, password) {
  const login = await request.post(`${BASE}/api/v1/auth/login`, {
    data: { email: 'e2e-admin@lms.localhost', password: 'e2e-admin-password' },
  });
  assert.equal(login.status(), 200, 'the e2e administrator logs in');
  const { access_token: token } = await login.json();
  const created = await request.post(`${BASE}/api/v1/users`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { email, password, display_name: 'Giảng viên Phạm Minh Đức', roles: ['trainer'] },
  });
  assert.equal(created.status(), 201, await created.text());
}

test('a trainer builds and publishes a course; a visitor finds it and enrols', { skip, timeout: 240_000 }, async (t) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lms-e2e-video-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const video = path.join(work, 'bai-giang.mp4');
  const cover = path.join(work, 'anh-bia.png');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x1f6feb:s=640x360', '-frames:v', '1', cover]);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=25:d=8', '-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000:d=8',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', video]);

  const browser = await launch();
  t.after(() => browser.close());
  const consoleErrors = [];
  const suffix = `${Date.now()}`.slice(-6);
  const title = `Quyền của người khuyết tật trong truyền thông ${suffix}`;
  const trainerEmail = `e2e-trainer-${suffix}-${process.pid}@example.test`;
  const trainerPassword = 'mật-khẩu-giảng-viên-2025';

  const desktop = await browser.newContext({ ...DESKTOP, locale: 'vi-VN' });
  let page = await desktop.newPage();
  page.setDefaultTimeout(15_000);
  watchConsole(page, consoleErrors);
  try {
    await createTrainer(desktop.request, trainerEmail, trainerPassword);

    await page.goto(`${BASE}/login?next=/teach`);
    await page.getByLabel(vi['field-email'], { exact: true }).fill(trainerEmail);
    await page.getByLabel(vi['field-password'], { exact: true }).fill(trainerPassword);
    await page.getByRole('button', { name: vi['login-submit'], exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/teach');

    // A new course, with an English translation.
    await page.getByRole('link', { name: vi['teach-new-course'], exact: true }).first().click();
    await page.locator('#title').fill(title);
    await page.locator('#summary').fill('Quyền tiếp cận thông tin và hình ảnh tôn trọng người khuyết tật trên báo chí.');
    await page.locator('#title_en').fill('Rights of persons with disabilities in the media');
    await page.getByRole('button', { name: vi['teach-create-course-submit'], exact: true }).click();
    await page.waitForURL((url) => /^\/teach\/courses\/\d+$/.test(url.pathname));
    const courseUrl = new URL(page.url()).pathname;

    // A cover picture, uploaded the same resumable way.
    await page.locator('#cover-file').setInputFiles(cover);
    await page.locator('#cover').getByRole('button', { name: vi['file-upload-button'], exact: true }).click();
    await page.waitForFunction(() => {
      const img = document.querySelector('#cover img.course-cover');
      return img && img.complete && img.naturalWidth === 640;
    }, null, { timeout: 20_000 });

    // A module.
    await page.locator('#new_module_title').fill('Tiếp cận thông tin');
    await page.getByRole('button', { name: vi['teach-add-module-submit'], exact: true }).click();
    await page.waitForURL((url) => /^\/teach\/modules\/\d+$/.test(url.pathname));

    // Its video: uploaded with tus, then processed; the page follows both with progress bars.
    await page.locator('#video-file').setInputFiles(video);
    await page.getByRole('button', { name: vi['module-video-upload-button'], exact: true }).click();
    await page.locator('#transcode-progress').waitFor({ state: 'visible', timeout: 30_000 });
    await shot(page, '20-module-video-processing');
    await page.locator('.badge-ok', { hasText: vi['video-status-ready'] }).waitFor({ timeout: 90_000 });
    // The trainer previews the processed video, streamed through a signed URL.
    await page.waitForFunction(() => {
      const v = document.querySelector('video.video-preview');
      return v && v.readyState >= 1;
    }, null, { timeout: 20_000 });
    const duration = await page.locator('video.video-preview').evaluate((v) => v.duration);
    assert.ok(Math.abs(duration - 8) < 0.5, `the preview plays the 8-second upload (duration ${duration})`);
    await shot(page, '21-module-video-ready');

    // Captions: a broken SRT is refused with its line numbers, a good one is listed.
    await page.getByLabel(vi['captions-language'], { exact: true }).selectOption('vi');
    await page.getByLabel(vi['captions-file'], { exact: true }).setInputFiles({
      name: 'phu-de.srt', mimeType: 'application/x-subrip',
      buffer: Buffer.from('1\n00:00:01,000 --> 00:00:03,000\nXin chào\n\n2\n00:00:05,000 --> 00:00:04,000\nNgược thời gian\n'),
    });
    await page.getByRole('button', { name: vi['captions-upload'], exact: true }).click();
    const problems = page.locator('#caption-error');
    await problems.waitFor();
    assert.match(await problems.innerText(), /^6: /m, 'the problem is reported with its line');
    // Chromium logs the refused request (422) as a console error: expected here.
    const refused = consoleErrors.findIndex((e) => e.includes('status of 422'));
    assert.ok(refused >= 0, 'the browser saw the 422');
    consoleErrors.splice(refused, 1);
    await page.getByLabel(vi['captions-file'], { exact: true }).setInputFiles({
      name: 'phu-de.srt', mimeType: 'application/x-subrip',
      buffer: Buffer.from('1\n00:00:01,000 --> 00:00:03,000\nXin chào\n\n2\n00:00:04,000 --> 00:00:06,000\nQuyền con người\n'),
    });
    await page.getByRole('button', { name: vi['captions-upload'], exact: true }).click();
    await page.locator('#captions-list li', { hasText: 'vi' }).waitFor();

    // Its quiz, in GIFT.
    await page.locator('#gift').fill(GIFT);
    await page.getByRole('button', { name: vi['quiz-save-submit'], exact: true }).click();
    await page.getByRole('status').filter({ hasText: vi['notice-quiz-saved'] }).waitFor();

    // Publish.
    await page.goto(`${BASE}${courseUrl}`);
    await page.getByRole('button', { name: vi['teach-publish-submit'], exact: true }).click();
    await page.getByRole('status').filter({ hasText: vi['notice-published'] }).waitFor();
    await shot(page, '22-course-published');

    // Their media library lists the video and the cover, used by the module and the course,
    // so neither can be deleted.
    await page.goto(`${BASE}/teach`);
    await page.getByRole('link', { name: vi['teach-media-link'], exact: true }).click();
    await expectHeading(page, vi['teach-media-heading']);
    const rows = page.locator('tbody tr');
    assert.ok((await rows.count()) >= 2, 'the video and the cover are listed');
    assert.equal(await page.getByRole('button', { name: new RegExp(`^${vi['teach-media-delete']} `) }).count(), 0, 'files in use cannot be deleted');
    await shot(page, '22b-media-library');
    await desktop.close();

    // A visitor on a phone finds it without typing diacritics, and enrols.
    const phone = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
    page = await phone.newPage();
    page.setDefaultTimeout(15_000);
    watchConsole(page, consoleErrors);
    await page.goto(`${BASE}/courses`);
    await page.getByLabel(vi['catalogue-search-label'], { exact: true }).fill(`quyen cua nguoi khuyet tat ${suffix}`);
    await page.getByRole('button', { name: vi['catalogue-search-submit'], exact: true }).click();
    const card = page.locator('.card', { hasText: title });
    const cardCover = card.locator('img.card-cover');
    await cardCover.scrollIntoViewIfNeeded();
    // The cover is lazy-loaded: visible is not yet loaded, so wait for its load (or error).
    assert.ok(await cardCover.evaluate(async (img) => {
      if (!img.complete) {
        await new Promise((done) => {
          img.addEventListener('load', done, { once: true });
          img.addEventListener('error', done, { once: true });
        });
      }
      return img.naturalWidth > 0;
    }), 'the cover shows in the catalogue');
    await page.locator('.card-title a', { hasText: title }).click();
    await expectHeading(page, title);
    assert.ok(!(await page.content()).includes('CEDAW'), 'quiz options stay hidden');
    const coursePath = new URL(page.url()).pathname;
    await registerAndEnrol(page, coursePath, {
      email: `e2e-learner-${suffix}-${process.pid}@example.test`,
      password: 'mật-khẩu-học-viên-2025',
      name: 'Đỗ Văn Khải',
    });
    assert.ok((await visibleText(page.locator('h1'))).includes(title));
    await shot(page, '23-visitor-enrolled-phone');
  } catch (err) {
    if (!page.isClosed()) await shot(page, 'failure-teach').catch(() => {});
    throw err;
  }
  assert.deepEqual(consoleErrors, [], 'no console errors');
});
