// Drives the learner's player, slides and quiz timer in Debian's Chromium against the
// harness server (server.mjs), and takes screenshots at phone and desktop sizes. A dev tool
// for working on frontend/static/js/{player,slides-pdf,quiz-timer}.js and learn.css without
// the Rust server; `node --test e2e/` does not pick it up.
//
//   e2e/player-harness/make-media.sh              # once: test media in /tmp/lms-player-media
//   node e2e/player-harness/run.mjs [MEDIA_DIR]   # screenshots in e2e/screenshots/harness-*.png
//
// Prints one line per check and "N passed, N failed" at the end; exits 1 if any failed.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(HERE, '..', 'screenshots');
const MEDIA = process.argv[2] || '/tmp/lms-player-media';
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };
// Chromium has native HLS; this makes a page take the hls.js path instead.
const NO_NATIVE_HLS = () => {
  const original = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function canPlayType(type) {
    return /mpegurl/i.test(type) ? '' : original.call(this, type);
  };
};

if (!fs.existsSync(path.join(MEDIA, 'master.m3u8'))) {
  console.error(`no media in ${MEDIA}: run e2e/player-harness/make-media.sh first`);
  process.exit(2);
}
fs.mkdirSync(SHOTS, { recursive: true });

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed += 1; else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail !== '' ? ` — ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
}
const near = (a, b, tolerance) => Math.abs(a - b) <= tolerance;

const srv = await startServer({ mediaDir: MEDIA });
const api = async (p, method = 'GET') => {
  const res = await fetch(srv.url + p, { method });
  return res.status === 204 ? null : res.json();
};
const reset = () => api('/__reset', 'POST');
const mode = (status) => api(`/__mode?status=${status}`, 'POST');
const records = () => api('/__records');
const covered = (merged, from, to) => merged.reduce((sum, [s, e]) => sum + Math.max(0, Math.min(e, to) - Math.max(s, from)), 0);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'],
});

// A fresh profile (localStorage) per scenario; every console error and CSP report is kept.
async function open(urlPath, { device = DESKTOP, init = null, allow = [] } = {}) {
  const context = await browser.newContext({ ...device, locale: 'vi-VN' });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !allow.some((re) => re.test(m.text()))) page.errors.push(m.text());
  });
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  await page.goto(srv.url + urlPath);
  return { page, context };
}
const metadata = (page) => page.waitForFunction(() => window.lmsPlayer && window.lmsPlayer.video.readyState >= 1);
const t = (page) => page.evaluate(() => window.lmsPlayer.video.currentTime);
const waitTime = (page, at, ms = 20_000) => page.waitForFunction((x) => window.lmsPlayer.video.currentTime >= x, at, { timeout: ms });
const seek = (page, to) => page.evaluate((x) => new Promise((resolve) => {
  const v = window.lmsPlayer.video;
  v.addEventListener('seeked', resolve, { once: true });
  v.currentTime = x;
}), to);
const currentSlide = (page) => page.evaluate(() => {
  const el = document.querySelector('.slide.is-current');
  return el ? `${el.id}:${el.getAttribute('aria-current')}` : null;
});
const noErrors = (name, page) => check(`${name}: no console errors, no CSP violation`, page.errors.length === 0, page.errors.slice(0, 3).join(' | '));

try {
  // ---------- 1. the whole video at 2×: the intervals cover the media time ----------
  {
    await reset();
    const { page, context } = await open('/module?kind=markdown');
    await metadata(page);
    const source = await page.evaluate(() => window.lmsPlayer.source);
    check('source chosen (Chromium has native HLS)', ['native-hls', 'hls.js'].includes(source), source);
    await page.selectOption('#player-speed', '2');
    const speed = await page.evaluate(() => [window.lmsPlayer.video.playbackRate, localStorage.getItem('lms.player.speed')]);
    check('speed menu sets 2× and remembers it', speed[0] === 2 && speed[1] === '2', speed);
    check('first slide current at 0:00', (await currentSlide(page)) === 'slide-1:true', await currentSlide(page));
    await page.evaluate(() => {
      window.progressEvents = [];
      document.addEventListener('lms:progress', (e) => window.progressEvents.push(e.detail));
    });
    await page.locator('h1').click();
    await page.keyboard.press('k');
    const seen = [];
    const started = Date.now();
    while (!(await page.evaluate(() => window.lmsPlayer.video.ended)) && Date.now() - started < 40_000) {
      const s = await currentSlide(page);
      if (s && seen[seen.length - 1] !== s) seen.push(s);
      await page.waitForTimeout(250);
    }
    const wall = (Date.now() - started) / 1000;
    check('played to the end at 2× in about 15 s', await page.evaluate(() => window.lmsPlayer.video.ended) && wall < 22, `${wall.toFixed(1)} s`);
    check('slides followed the video in order', JSON.stringify(seen) === JSON.stringify(['slide-1:true', 'slide-2:true', 'slide-3:true', 'slide-4:true']), seen);
    const scroll = await page.evaluate(() => [document.querySelector('.slide-list').scrollTop, window.scrollY]);
    check('following scrolled the slide list, not the page', scroll[0] > 0 && scroll[1] === 0, scroll);
    await page.evaluate(() => window.lmsPlayer.flush());
    const r = await records();
    const total = covered(r.merged, 0, 30);
    check('server got intervals covering the whole media time', total >= 29.5 && r.merged.length === 1, { merged: r.merged, total });
    check('heartbeats while playing (10 s tick) and at the end', r.records.length >= 2, `${r.records.length} requests`);
    const body = r.records[0].body;
    check('heartbeat body as the contract says', body.token === 'OPAQUE' && Array.isArray(body.intervals)
      && typeof body.position === 'number' && r.records[0].type === 'application/json'
      && body.intervals.every(([s, e]) => e > s && [s, e].every((x) => Math.round(x * 1000) / 1000 === x)), body);
    check('nothing left pending after acknowledgement', (await page.evaluate(() => window.lmsPlayer.pendingIntervals())).length === 0);
    const ui = await page.evaluate(() => ({
      bar: document.getElementById('watched-bar').value,
      text: document.getElementById('watched-percent').textContent,
      status: document.getElementById('module-status').textContent,
      complete: document.getElementById('player').dataset.moduleComplete,
      events: window.progressEvents.length,
    }));
    check('progress bar, text, completion and lms:progress updated', ui.bar >= 98 && /^Đã xem (98|99|100) %$/.test(ui.text)
      && ui.status === 'Đã hoàn thành bài học' && ui.complete === 'true' && ui.events >= 2, ui);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'harness-module-desktop.png') });
    noErrors('whole video', page);
    await context.close();
  }

  // ---------- 2. seeking: the skipped part never counts ----------
  {
    await reset();
    const { page, context } = await open('/module?kind=markdown');
    await metadata(page);
    await page.evaluate(() => window.lmsPlayer.video.play());
    await waitTime(page, 3);
    await seek(page, 26);
    await page.waitForFunction(() => window.lmsPlayer.video.ended, null, { timeout: 15_000 });
    await page.evaluate(() => window.lmsPlayer.flush());
    const r = await records();
    const skipped = covered(r.merged, 4, 25.9);
    check('seek to near the end: no interval over the skipped part', skipped === 0 && covered(r.merged, 0, 3) >= 2.5
      && covered(r.merged, 26, 30) >= 3.8, r.merged);
    const all = r.records.flatMap((x) => x.body.intervals);
    check('every interval sent is continuous play (none spans the jump)', all.every(([s, e]) => e <= 4.5 || s >= 25.9), all);
    noErrors('seeking', page);
    await context.close();
  }

  // ---------- 3. controls and keyboard ----------
  {
    await reset();
    const { page, context } = await open('/module?kind=markdown');
    await metadata(page);
    await page.locator('h1').click();
    const keys = [];
    for (const key of ['l', 'ArrowRight', 'j', 'ArrowLeft']) {
      await page.keyboard.press(key);
      await page.waitForTimeout(150);
      keys.push(Math.round(await t(page)));
    }
    check('L/→ forward 10 s, J/← back 10 s', JSON.stringify(keys) === '[10,20,10,0]', keys);
    await page.click('#player-fwd10');
    await page.waitForTimeout(150);
    const afterFwd = Math.round(await t(page));
    await page.click('#player-back10');
    await page.waitForTimeout(150);
    check('−10 s / +10 s buttons', afterFwd === 10 && Math.round(await t(page)) === 0, [afterFwd, await t(page)]);
    // Space on a focused button presses the button, not play/pause.
    await page.focus('#player-fwd10');
    await page.keyboard.press(' ');
    await page.waitForTimeout(200);
    check('Space on a button activates the button only', Math.round(await t(page)) === 10
      && await page.evaluate(() => window.lmsPlayer.video.paused));
    await page.locator('h1').click();
    const speeds = [];
    for (const key of ['>', '>', '<', '<', '<', '<']) {
      await page.keyboard.press(key);
      speeds.push(await page.evaluate(() => [window.lmsPlayer.video.playbackRate, document.getElementById('player-speed').value].join('/')));
    }
    check('> and < step the speed, the menu follows', speeds.join(' ') === '1.25/1.25 1.5/1.5 1.25/1.25 1/1 0.75/0.75 0.75/0.75', speeds);
    const captions = async () => page.evaluate(() => [...window.lmsPlayer.video.textTracks]
      .map((tr) => `${tr.kind}:${tr.language || tr.label}:${tr.mode}`).join(' ') + ` select=${document.getElementById('player-captions').value}`);
    check('captions off by default', (await captions()).startsWith('captions:vi:disabled captions:en:disabled') && (await captions()).endsWith('select='), await captions());
    await page.keyboard.press('c');
    const cOn = await captions();
    await page.keyboard.press('c');
    const cOff = await captions();
    check('C toggles captions', cOn.includes('captions:vi:showing') && cOn.endsWith('select=vi') && cOff.endsWith('select=')
      && !cOff.includes('showing'), [cOn, cOff]);
    await page.selectOption('#player-captions', 'en');
    const cEn = await captions();
    check('captions menu shows the chosen language only', cEn.includes('captions:en:showing') && cEn.includes('captions:vi:disabled'), cEn);
    await page.locator('h1').click();
    await page.keyboard.press('c');
    await page.keyboard.press('c');
    check('C turns back on the language last shown', (await captions()).endsWith('select=en'), await captions());
    await page.selectOption('#player-speed', '1.5');
    // K while the speed menu has focus belongs to the menu, not the player.
    await page.focus('#player-speed');
    await page.keyboard.press('k');
    check('shortcuts ignored inside a select', await page.evaluate(() => window.lmsPlayer.video.paused));
    await page.locator('h1').click();
    await page.keyboard.press(' ');
    await page.waitForTimeout(600);
    const playing = await page.evaluate(() => !window.lmsPlayer.video.paused);
    await page.keyboard.press(' ');
    check('Space plays and pauses', playing && await page.evaluate(() => window.lmsPlayer.video.paused));
    // With the video itself focused, the browser's own controls must not act a second time.
    await page.focus('#player-video');
    await seek(page, 0);
    await page.keyboard.press(' ');
    await page.waitForTimeout(500);
    const spacePlays = await page.evaluate(() => !window.lmsPlayer.video.paused);
    await page.keyboard.press('k');
    await seek(page, 5);
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(300);
    check('keys on the focused video act once (Space plays, → is +10 s)', spacePlays && near(await t(page), 15, 0.3)
      && await page.evaluate(() => window.lmsPlayer.video.paused), [spacePlays, await t(page)]);
    await page.reload();
    await metadata(page);
    const remembered = await page.evaluate(() => [window.lmsPlayer.video.playbackRate, document.getElementById('player-speed').value,
      document.getElementById('player-captions').value,
      [...window.lmsPlayer.video.textTracks].filter((tr) => tr.mode === 'showing').map((tr) => tr.language).join()]);
    check('speed and captions remembered after a reload', JSON.stringify(remembered) === '[1.5,"1.5","en","en"]', remembered);
    // The timed slide's button seeks and plays.
    await page.click('#slide-3 .slide-time');
    await page.waitForTimeout(400);
    check('slide button seeks the video there and plays', near(await t(page), 16, 1) && await page.evaluate(() => !window.lmsPlayer.video.paused)
      && (await currentSlide(page)) === 'slide-3:true', [await t(page), await currentSlide(page)]);
    await page.evaluate(() => window.lmsPlayer.video.pause());
    const label = await page.getAttribute('#slide-2 .slide-time', 'aria-label');
    check('slide button has its translated label', label === 'Phát từ 0:08', label);
    noErrors('controls', page);
    await context.close();
  }

  // ---------- 4. resume ----------
  {
    const { page, context } = await open('/module?kind=markdown&resume=12.5');
    await metadata(page);
    await page.waitForFunction(() => window.lmsPlayer.video.currentTime > 1 && !window.lmsPlayer.video.seeking);
    await page.waitForTimeout(100);
    const status = await page.textContent('#module-status');
    check('resumes at data-resume and says so', near(await t(page), 12.5, 0.3) && status === 'Tiếp tục từ 0:12', [await t(page), status]);
    check('slide for the resumed time is current', (await currentSlide(page)) === 'slide-2:true', await currentSlide(page));
    await context.close();
    for (const at of ['3', '27']) {
      const o = await open(`/module?kind=markdown&resume=${at}`);
      await metadata(o.page);
      await o.page.waitForTimeout(300);
      check(`no resume at ${at} s (start or end)`, (await t(o.page)) === 0 && (await o.page.textContent('#module-status')) === '');
      await o.context.close();
    }
  }

  // ---------- 5. server unreachable, session expired, refused body ----------
  {
    await reset();
    const allow = [/status of (503|401|422)/, /refused these intervals/];
    const { page, context } = await open('/module?kind=markdown', { allow });
    await metadata(page);
    await mode('503');
    await page.evaluate(() => window.lmsPlayer.video.play());
    await waitTime(page, 2);
    await page.evaluate(() => window.lmsPlayer.video.pause());
    await page.waitForFunction(() => document.getElementById('module-status').textContent !== '');
    const pendingOffline = await page.evaluate(() => window.lmsPlayer.pendingIntervals());
    check('5xx: offline message, intervals kept', (await page.textContent('#module-status')) === 'Tiến độ sẽ được lưu khi có kết nối trở lại'
      && pendingOffline.length === 1 && pendingOffline[0][1] >= 2, pendingOffline);
    const before = (await records()).records.length;
    await seek(page, 6);
    await page.waitForTimeout(800);
    check('backing off: no new request at once after a failure', (await records()).records.length === before, `${before} → ${(await records()).records.length}`);
    await mode('200');
    // The retry comes by itself after the backoff (5 s after a first failure).
    await page.waitForFunction(() => window.lmsPlayer.pendingIntervals().length === 0, null, { timeout: 8000 }).catch(() => {});
    check('retried by itself after the backoff', (await records()).records.length === before + 1, `${(await records()).records.length - before} more`);
    await page.evaluate(() => window.lmsPlayer.flush());
    const r = await records();
    check('back online: sent, acknowledged, message gone', (await page.evaluate(() => window.lmsPlayer.pendingIntervals())).length === 0
      && covered(r.merged, 0, 2) >= 1.9 && (await page.textContent('#module-status')) === '', r.merged);

    // One request at a time: while one hangs, nothing else goes.
    await mode('hang');
    await page.evaluate(() => { window.lmsPlayer.video.play(); });
    await waitTime(page, 7);
    const n0 = (await records()).records.length;
    await page.evaluate(() => { window.lmsPlayer.flush(); });
    await page.waitForTimeout(300);
    await seek(page, 12);
    await page.evaluate(() => window.lmsPlayer.video.pause());
    await page.waitForTimeout(700);
    check('never two requests in flight', (await records()).records.length === n0 + 1, `${(await records()).records.length - n0} sent`);
    await context.close();

    const o = await open('/module?kind=markdown', { allow });
    await metadata(o.page);
    await mode('422');
    await o.page.evaluate(() => window.lmsPlayer.video.play());
    await waitTime(o.page, 1.5);
    await o.page.evaluate(() => window.lmsPlayer.video.pause());
    await o.page.evaluate(() => window.lmsPlayer.flush());
    check('422: intervals dropped, no offline message', (await o.page.evaluate(() => window.lmsPlayer.pendingIntervals())).length === 0
      && (await o.page.textContent('#module-status')) === '');
    await mode('401');
    await o.page.evaluate(() => window.lmsPlayer.video.play());
    await waitTime(o.page, 3);
    await o.page.evaluate(() => window.lmsPlayer.video.pause());
    await o.page.waitForFunction(() => document.getElementById('module-status').textContent !== '');
    const n1 = (await records()).records.length;
    await o.page.evaluate(() => window.lmsPlayer.flush());
    await seek(o.page, 20);
    check('401: session-ended message, nothing more sent', (await o.page.textContent('#module-status')) === 'Phiên đăng nhập đã hết: hãy tải lại trang'
      && (await records()).records.length === n1);
    noErrors('failures', o.page);
    await o.context.close();
    await mode('200');
  }

  // ---------- 6. page hidden: a beacon ----------
  {
    await reset();
    const { page, context } = await open('/module?kind=markdown');
    await metadata(page);
    await page.evaluate(() => window.lmsPlayer.video.play());
    await waitTime(page, 2);
    await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false })));
    await page.waitForTimeout(500);
    const r = await records();
    check('pagehide sends a JSON beacon with the open interval', r.records.length === 1 && r.records[0].type === 'application/json'
      && r.records[0].body.intervals.length === 1 && r.records[0].body.intervals[0][1] >= 2, r.records.map((x) => x.body));
    noErrors('beacon', page);
    await context.close();
  }

  // ---------- 7. hls.js (no native HLS), its failure and the MP4 fallback ----------
  {
    await reset();
    const { page, context } = await open('/module?kind=markdown', { init: NO_NATIVE_HLS });
    await metadata(page);
    const info = await page.evaluate(() => ({ source: window.lmsPlayer.source, cap: window.lmsPlayer.hls && window.lmsPlayer.hls.config.capLevelToPlayerSize, levels: window.lmsPlayer.hls && window.lmsPlayer.hls.levels.length }));
    check('hls.js used when the browser has no HLS, capped to the player size', info.source === 'hls.js' && info.cap === true && info.levels === 2, info);
    await page.selectOption('#player-speed', '2');
    await page.evaluate(() => window.lmsPlayer.video.play());
    await waitTime(page, 6);
    await seek(page, 14);
    await waitTime(page, 17);
    // A fatal error that hls.js cannot recover from: the MP4 takes over at the same time.
    const at = await t(page);
    await page.evaluate(() => window.lmsPlayer.hls.trigger(window.Hls.Events.ERROR, {
      type: window.Hls.ErrorTypes.NETWORK_ERROR, details: window.Hls.ErrorDetails.FRAG_LOAD_ERROR, fatal: true,
    }));
    await page.waitForFunction(() => window.lmsPlayer.source === 'mp4' && window.lmsPlayer.video.currentTime > 1 && !window.lmsPlayer.video.paused);
    const after = await page.evaluate(() => [window.lmsPlayer.video.currentTime, window.lmsPlayer.video.currentSrc, window.lmsPlayer.video.playbackRate]);
    check('fatal hls.js error: MP4 at the same position and speed, still playing', near(after[0], at, 1.5) && after[1].endsWith('/media/video.mp4') && after[2] === 2, { at, after });
    await page.waitForFunction(() => window.lmsPlayer.video.ended, null, { timeout: 20_000 });
    await page.evaluate(() => window.lmsPlayer.flush());
    const r = await records();
    check('hls.js then MP4: watched [0,6] and [14,30], not the seeked-over part', covered(r.merged, 7, 13.9) === 0
      && covered(r.merged, 0, 6) >= 5.5 && covered(r.merged, 14, 30) >= 15.5, r.merged);
    noErrors('hls.js', page);
    await context.close();

    for (const [name, init] of [['hls.js', NO_NATIVE_HLS], ['native HLS', null]]) {
      const o = await open('/module?kind=markdown&hls=bad', { init, allow: [/404/, /Failed to load resource/] });
      await o.page.waitForFunction(() => window.lmsPlayer.source === 'mp4' && window.lmsPlayer.video.readyState >= 1, null, { timeout: 30_000 }).catch(() => {});
      const s = await o.page.evaluate(() => [window.lmsPlayer.source, window.lmsPlayer.video.currentSrc]);
      check(`${name}: a missing playlist falls back to the MP4`, s[0] === 'mp4' && s[1].endsWith('/media/video.mp4'), s);
      await o.context.close();
    }
  }

  {
    const o = await open('/module?kind=none&captions=none&hls=none');
    await metadata(o.page);
    const s = await o.page.evaluate(() => [window.lmsPlayer.source, window.lmsPlayer.video.currentSrc]);
    check('no HLS URL: the MP4 plays', s[0] === 'mp4' && s[1].endsWith('/media/video.mp4'), s);
    noErrors('MP4 only', o.page);
    await o.context.close();
  }

  // ---------- 8. PDF slides ----------
  {
    const { page, context } = await open('/module?kind=pdf');
    await metadata(page);
    await page.waitForFunction(() => {
      const c = document.querySelector('.pdf-canvas');
      return c && c.width > 300 && !document.querySelector('.pdf-viewer').hasAttribute('aria-busy');
    });
    const inked = () => page.evaluate(() => {
      const c = document.querySelector('.pdf-canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 600) dark += 1;
      return { w: c.width, h: c.height, css: c.clientWidth, dark: dark / (d.length / 4) };
    });
    const p1 = await inked();
    check('PDF page drawn (non-blank) at column width × devicePixelRatio', p1.dark > 0.1 && near(p1.w, p1.css, 2), p1);
    const label = () => page.textContent('.pdf-page');
    check('"Page 1 of 3"', (await label()) === 'Trang 1 / 3', await label());
    const text = await page.textContent('.pdf-text');
    check('page text available to screen readers', /Slide 1/.test(text), text);
    await page.click('.pdf-next');
    await page.waitForFunction(() => document.querySelector('.pdf-page').textContent === 'Trang 2 / 3');
    await page.focus('.pdf-viewer');
    const before = await t(page);
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(100);
    check('arrow keys turn pages in the viewer, not the video', (await label()) === 'Trang 3 / 3' && (await t(page)) === before, [await label(), await t(page)]);
    await page.keyboard.press('ArrowRight');
    const nextDisabled = await page.isDisabled('.pdf-next');
    await page.keyboard.press('Home');
    check('last page stops, Home goes to the first', nextDisabled && (await label()) === 'Trang 1 / 3' && await page.isDisabled('.pdf-prev'));
    await seek(page, 15);
    await page.waitForFunction(() => document.querySelector('.pdf-page').textContent === 'Trang 2 / 3', null, { timeout: 3000 }).catch(() => {});
    const p2 = await label();
    await seek(page, 25);
    await page.waitForFunction(() => document.querySelector('.pdf-page').textContent === 'Trang 3 / 3', null, { timeout: 3000 }).catch(() => {});
    check('pages follow the video with data-pdf-times', p2 === 'Trang 2 / 3' && (await label()) === 'Trang 3 / 3', [p2, await label()]);
    await page.uncheck('#slides-follow');
    await seek(page, 2);
    await page.waitForTimeout(300);
    check('unticked "follow": pages stay', (await label()) === 'Trang 3 / 3');
    await page.check('#slides-follow');
    await page.waitForTimeout(300);
    check('ticked again: back in step with the video', (await label()) === 'Trang 1 / 3', await label());
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'harness-module-pdf-desktop.png') });
    noErrors('PDF', page);
    await context.close();
  }

  // ---------- 9. quiz timer ----------
  {
    const { page, context } = await open('/quiz?seconds=3');
    const text = await page.textContent('#quiz-timer');
    check('quiz timer counts down as "{time} left"', /^Còn 00:0[23]$/.test(text), text);
    await page.waitForURL('**/quiz-submit', { timeout: 8000 }).catch(() => {});
    await page.waitForTimeout(1500);
    const r = await records();
    check('time up: the form is submitted once, unanswered questions allowed', r.submissions.length === 1, r.submissions);
    noErrors('quiz', page);
    await context.close();
  }

  // ---------- 10. screenshots ----------
  for (const [name, device] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    for (const [what, url] of [['module', '/module?kind=markdown&resume=14'], ['module-pdf', '/module?kind=pdf'],
      ['quiz', '/quiz?seconds=45'], ['learning', '/learning']]) {
      const { page, context } = await open(url, { device });
      if (what.startsWith('module')) {
        await metadata(page);
        await page.waitForTimeout(what === 'module-pdf' ? 1500 : 500);
      } else {
        await page.waitForTimeout(300);
      }
      await page.screenshot({ path: path.join(SHOTS, `harness-${what}-${name}.png`), fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(`${what} on ${name}: no horizontal overflow`, overflow <= 0, `${overflow}px`);
      const small = await page.evaluate(() => [...document.querySelectorAll('main button, main select, main .button, .slides-follow, .quiz-option, .module-nav-item a')]
        .filter((el) => el.getClientRects().length)
        .map((el) => [el.className || el.id || el.tagName, el.getBoundingClientRect().height])
        .filter(([, h]) => h < 43.5));
      check(`${what} on ${name}: touch targets ≥ 44 px`, small.length === 0, small);
      noErrors(`${what} on ${name}`, page);
      await context.close();
    }
  }
} catch (err) {
  check('harness ran to the end', false, err.stack);
} finally {
  await browser.close();
  await srv.close();
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
