// End-to-end: HR checks a roster spreadsheet with a few bad rows, reads the line-numbered
// problems, imports the valid rows, opens the coverage dashboard and downloads the XLSX.
//
// Needs the administrator e2e-admin@lms.localhost / e2e-admin-password (scripts/e2e.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { BASE, SHOTS, DESKTOP, PHONE, vi, watchConsole, shot, expectHeading, visibleText, launch, skip } from './support.mjs';

async function createHr(request, email, password) {
  const login = await request.post(`${BASE}/api/v1/auth/login`, {
    data: { email: 'e2e-admin@lms.localhost', password: 'e2e-admin-password' },
  });
  assert.equal(login.status(), 200, 'the e2e administrator logs in');
  const headers = { Authorization: `Bearer ${(await login.json()).access_token}` };
  const orgs = await (await request.get(`${BASE}/api/v1/organisations`, { headers })).json();
  const ids = orgs.filter((o) => ['ubnd-01', 'ubnd-79'].includes(o.code)).map((o) => o.id);
  const created = await request.post(`${BASE}/api/v1/users`, {
    headers,
    data: { email, password, display_name: 'Cán bộ nhân sự Lý Thu Hà', roles: ['hr'] },
  });
  assert.equal(created.status(), 201, await created.text());
  const { id } = await created.json();
  const scoped = await request.patch(`${BASE}/api/v1/users/${id}`, { headers, data: { hr_organisation_ids: ids } });
  assert.equal(scoped.status(), 200, await scoped.text());
  // Nguyễn Văn Bình already has an account, with another organisation: the import asks him
  // to confirm instead of linking him.
  const elsewhere = orgs.find((o) => !['ubnd-01', 'ubnd-79'].includes(o.code));
  const binh = await request.post(`${BASE}/api/v1/users`, {
    headers,
    data: { email: BINH, password: 'mat-khau-cua-binh-1', display_name: 'Nguyễn Văn Bình', organisation_id: elsewhere.id },
  });
  assert.equal(binh.status(), 201, await binh.text());
}

const BINH = `binh.hn-${Date.now()}@example.test`;

const ROSTER = [
  'Mã cán bộ;Họ và tên;Email;Mã đơn vị;Mã tỉnh;Nhóm cán bộ;Chức vụ',
  `HN-001;Nguyễn Văn Bình;${BINH};ubnd-01;01;hr-officers;Chuyên viên`,
  'HN-002;Trần Thị Cúc;;bo-khong-co;01;hr-officers;',
  'HCM-001;"Lê Minh Đức";duc.hcm@example.test;ubnd-79;74;hr-officers;Trưởng phòng',
  'HCM-002;Phạm Thu Hương;khong-phai-email;ubnd-79;79;info-comm-managers;',
  'HCM-003;Võ Thị Lan;;ubnd-79;79;info-comm-managers;',
].join('\r\n');

test('HR imports a roster with bad rows, then reads the coverage dashboard and exports it', { skip, timeout: 120_000 }, async (t) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lms-e2e-roster-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const file = path.join(work, 'danh-sach.csv');
  fs.writeFileSync(file, '\ufeff' + ROSTER);

  const browser = await launch();
  t.after(() => browser.close());
  const context = await browser.newContext({ ...DESKTOP, locale: 'vi-VN', acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const consoleErrors = [];
  watchConsole(page, consoleErrors);
  const email = `e2e-hr-${Date.now()}@example.test`;
  const password = 'mat-khau-nhan-su-2025';
  await createHr(context.request, email, password);

  await page.goto(`${BASE}/login?next=/hr/roster`);
  await page.getByLabel(vi['field-email'], { exact: true }).fill(email);
  await page.getByLabel(vi['field-password'], { exact: true }).fill(password);
  await page.getByRole('button', { name: vi['login-submit'], exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/hr/roster');
  await expectHeading(page, vi['roster-heading']);

  // Check first: two bad rows, each with its line.
  await page.getByLabel(vi['roster-file'], { exact: true }).setInputFiles(file);
  await page.getByRole('button', { name: vi['roster-check'], exact: true }).click();
  const problems = page.locator('#roster-problem-rows tr');
  await problems.first().waitFor();
  assert.equal(await problems.count(), 2);
  const first = await problems.nth(0).innerText();
  const second = await problems.nth(1).innerText();
  // Column names and reasons in the page's language (Vietnamese here), the value quoted.
  assert.match(first, new RegExp(`^3\\s+${vi['roster-column-organisation-code']}\\s+không có đơn vị “bo-khong-co”`));
  assert.match(second, new RegExp(`^5\\s+${vi['roster-column-email']}\\s+“khong-phai-email” không phải là địa chỉ email`));
  assert.ok((await visibleText(page.locator('#roster-status'))).startsWith('3/5'));
  // The row whose account belongs to another organisation is not linked: he is asked.
  const pending = page.locator('#roster-pending-rows tr');
  assert.equal(await pending.count(), 1);
  assert.match(await pending.first().innerText(), new RegExp(`^2\\s+${vi['roster-pending-confirmation-sent']}`));
  await shot(page, '50-roster-checked');

  // Import the valid rows.
  await page.getByRole('button', { name: vi['roster-import-valid'], exact: true }).click();
  await page.locator('#roster-status', { hasText: 'Đã nhập: 3 mới' }).waitFor();

  // The dashboard: every group with its target; the export downloads a real XLSX.
  await page.goto(`${BASE}/hr/coverage`);
  await expectHeading(page, vi['coverage-heading']);
  assert.equal(await page.locator('.coverage-card').count(), 4);
  const hrOfficers = page.locator('.coverage-card', { hasText: 'Cán bộ làm công tác nhân quyền' });
  assert.match(await hrOfficers.innerText(), /0\/2/);
  await shot(page, '51-coverage-desktop');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-xlsx').click()]);
  const saved = path.join(work, 'bao-cao.xlsx');
  await download.saveAs(saved);
  const bytes = fs.readFileSync(saved);
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an XLSX (zip) file');
  assert.ok(download.suggestedFilename().endsWith('.xlsx'));

  // One group: provinces ranked (74 counted under Ho Chi Minh City), who is not complete.
  await hrOfficers.getByRole('link').click();
  await expectHeading(page, 'Cán bộ làm công tác nhân quyền');
  const provinces = await page.locator('table.ranked').first().innerText();
  assert.ok(provinces.includes('Thành phố Hồ Chí Minh') && provinces.includes('Thành phố Hà Nội'), provinces);
  assert.ok((await page.locator('main').innerText()).includes('Lê Minh Đức'));

  // On a phone too.
  const phone = await browser.newContext({ ...PHONE, locale: 'vi-VN', storageState: await context.storageState() });
  const small = await phone.newPage();
  await small.goto(`${BASE}/hr/coverage`);
  const width = await small.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling (scrollWidth ${width})`);
  await shot(small, '52-coverage-phone');
  assert.deepEqual(consoleErrors, [], 'no console errors');
});
