// A stand-in for the real server, for working on the learner's player without it (a dev
// tool: `node --test e2e/` does not run it). It renders the module, quiz and "My learning"
// pages as the contract in player.js describes them, under the production CSP, serves
// frontend/static and the media made by make-media.sh (with Range requests, as the real
// media route), and answers POST /api/v1/progress like the real endpoint, merging the
// intervals naively and recording every body.
//
//   node e2e/player-harness/server.mjs [PORT] [MEDIA_DIR]   # then open http://127.0.0.1:PORT/
//
// Test controls: POST /__mode?status=503 (or 401, 422, 200, "hang") sets how the progress
// endpoint answers; GET /__records returns the recorded bodies; POST /__reset forgets them.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STATIC = path.join(HERE, '..', '..', 'static');
// The production policy (backend/api/src/middleware.rs).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
  + "media-src 'self' blob:; worker-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
  + "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const TOKEN = 'OPAQUE';
const DURATION = 30;

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.pdf': 'application/pdf',
  '.m3u8': 'application/vnd.apple.mpegurl', '.m4s': 'video/iso.segment', '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg', '.png': 'image/png', '.vtt': 'text/vtt; charset=utf-8', '.webm': 'video/webm',
};

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

function shell(title, body, scripts = '') {
  return `<!DOCTYPE html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light">
  <title>${esc(title)} · Học trực tuyến Quyền con người</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/css/app.css">
  <link rel="stylesheet" href="/static/css/learn.css">
</head>
<body>
  <a class="skip-link" href="#main">Chuyển đến nội dung chính</a>
  <header class="site-header">
    <div class="container header-inner">
      <a class="brand" href="/">Học trực tuyến Quyền con người</a>
      <nav class="site-nav" aria-label="Chính"><ul class="nav-list"><li><a href="/">Trang chủ</a></li><li><a href="/learning">Học tập của tôi</a></li></ul></nav>
    </div>
  </header>
  <main id="main" class="container site-main" tabindex="-1">
${body}
  </main>
  <footer class="site-footer"><div class="container"><p>Harness</p></div></footer>
${scripts}
</body>
</html>`;
}

function modulePage(q) {
  const kind = q.get('kind') || 'markdown';
  const hls = q.get('hls') === 'bad' ? '/media/missing/master.m3u8' : '/media/master.m3u8';
  const captions = q.get('captions') !== 'none';
  const times = q.get('times') ?? '[0,10,20]';
  const slides = kind === 'markdown' ? `
    <ol class="slide-list">
      <li class="slide" data-t="0" id="slide-1"><h3>Giới thiệu</h3><p>Quyền con người là những quyền vốn có của mọi người.</p></li>
      <li class="slide" data-t="8" id="slide-2"><h3>Lịch sử</h3><ul><li>1948: Tuyên ngôn Quốc tế Nhân quyền</li><li>1966: hai Công ước</li></ul></li>
      <li class="slide" data-t="16" id="slide-3"><h3>Nguyên tắc</h3><p>Phổ quát, không thể chuyển nhượng, không thể chia cắt, phụ thuộc lẫn nhau.</p><p><a href="#slide-1">Về đầu</a></p></li>
      <li class="slide" data-t="24" id="slide-4"><h3>Tóm tắt</h3><p>Mọi người sinh ra đều tự do và bình đẳng về nhân phẩm và quyền.</p></li>
      <li class="slide" id="slide-5"><h3>Tài liệu đọc thêm</h3><p>Một trang không gắn với thời điểm nào trong video.</p></li>
    </ol>` : kind === 'pdf' ? `
    <div class="pdf-viewer"><p><a href="/media/slides.pdf">Tải bài giảng (PDF)</a></p></div>` : '';
  const pdfAttrs = kind === 'pdf'
    ? ` data-pdf-url="/media/slides.pdf"${times ? ` data-pdf-times="${esc(times)}"` : ''}` : '';
  const body = `
    <nav aria-label="Đường dẫn" class="breadcrumb"><ol><li><a href="/learning">Học tập của tôi</a></li><li><span aria-current="page">Bài 2</span></li></ol></nav>
    <h1>Bài 2: Các nguyên tắc cơ bản</h1>
    <div class="learn-layout">
     <section class="player" id="player" aria-label="Video bài giảng"
       data-hls="${q.get('hls') === 'none' ? '' : hls}" data-mp4="/media/video.mp4"
       data-progress-url="/api/v1/progress" data-progress-token="${esc(q.get('token') || TOKEN)}"
       data-resume="${esc(q.get('resume') || '0')}" data-duration="${DURATION}.0" data-watched="0"
       data-module-complete="${q.get('complete') === '1' ? 'true' : 'false'}"
       data-msg-watched="Đã xem {percent} %" data-msg-complete="Đã hoàn thành bài học"
       data-msg-offline="Tiến độ sẽ được lưu khi có kết nối trở lại"
       data-msg-resumed="Tiếp tục từ {time}" data-msg-expired="Phiên đăng nhập đã hết: hãy tải lại trang">
       <div class="player-frame">
         <video id="player-video" controls playsinline preload="metadata" poster="/media/poster.jpg" crossorigin="anonymous">
           ${captions ? `<track kind="captions" srclang="vi" label="Tiếng Việt" src="/media/captions/vi.vtt">
           <track kind="captions" srclang="en" label="English" src="/media/captions/en.vtt">` : ''}
           <track kind="metadata" label="thumbnails" src="/media/thumbs.vtt">
         </video>
       </div>
       <div class="player-controls">
         <label for="player-speed">Tốc độ</label>
         <select id="player-speed"><option value="0.75">0.75×</option><option value="1" selected>1×</option><option value="1.25">1.25×</option><option value="1.5">1.5×</option><option value="1.75">1.75×</option><option value="2">2×</option></select>
         ${captions ? `<label for="player-captions">Phụ đề</label>
         <select id="player-captions"><option value="">Tắt</option><option value="vi">Tiếng Việt</option><option value="en">English</option></select>` : ''}
         <button type="button" id="player-back10" aria-label="Lùi 10 giây">−10 s</button>
         <button type="button" id="player-fwd10" aria-label="Tới 10 giây">+10 s</button>
       </div>
       <div class="player-progress">
         <progress id="watched-bar" max="100" value="0"></progress>
         <span id="watched-percent" aria-live="polite">Đã xem 0 %</span>
         <p id="module-status" class="module-status" aria-live="polite"></p>
       </div>
     </section>
     <aside class="slides" id="slides" data-kind="${kind}"${pdfAttrs} aria-label="Bài giảng"
        data-msg-page="Trang {page} / {pages}" data-msg-prev="Trước" data-msg-next="Tiếp" data-msg-follow="Theo video"
        data-msg-seek="Phát từ {time}">
       <h2>Bài giảng</h2>
       ${slides}
       <label class="slides-follow"><input type="checkbox" id="slides-follow" checked> Theo video</label>
     </aside>
    </div>
    <h2>Các bài học</h2>
    <ol class="module-nav">
      <li class="module-nav-item state-complete"><a href="/module?kind=markdown">1. Quyền con người là gì?</a> <span class="state-badge">Đã xong</span></li>
      <li class="module-nav-item state-in-progress is-current"><a href="/module?kind=markdown" aria-current="page">2. Các nguyên tắc cơ bản</a> <span class="state-badge">Đang học</span></li>
      <li class="module-nav-item state-not-started"><a href="/module?kind=pdf">3. Cơ chế bảo vệ quốc tế với một tiêu đề rất dài để thử xuống dòng</a> <span class="state-badge">Chưa bắt đầu</span></li>
    </ol>`;
  const scripts = `<script src="/static/vendor/hls.min.js"></script>
<script src="/static/js/player.js"></script>
${kind === 'pdf' ? '<script type="module" src="/static/js/slides-pdf.js"></script>' : ''}`;
  return shell('Bài 2', body, scripts);
}

function quizPage(q) {
  const seconds = Number(q.get('seconds') || '600');
  const deadline = new Date(Date.now() + seconds * 1000).toISOString();
  const body = `
    <h1>Bài kiểm tra: Bài 2</h1>
    <section class="quiz-panel">
      <p class="timer" id="quiz-timer" data-deadline="${deadline}" data-msg-left="Còn {time}">Còn --:--</p>
      <form id="quiz-form" method="post" action="/quiz-submit">
        <fieldset class="quiz-question"><legend>1. Tuyên ngôn Quốc tế Nhân quyền được thông qua năm nào?</legend>
          <label class="quiz-option"><input type="radio" name="q1" value="a" required> 1945</label>
          <label class="quiz-option"><input type="radio" name="q1" value="b"> 1948</label>
          <label class="quiz-option"><input type="radio" name="q1" value="c"> 1966</label>
        </fieldset>
        <fieldset class="quiz-question"><legend>2. Những nguyên tắc nào là của quyền con người? (chọn nhiều)</legend>
          <div class="quiz-option"><input type="checkbox" id="q2a" name="q2" value="a"><label for="q2a">Phổ quát</label></div>
          <div class="quiz-option"><input type="checkbox" id="q2b" name="q2" value="b"><label for="q2b">Không thể chia cắt</label></div>
          <div class="quiz-option"><input type="checkbox" id="q2c" name="q2" value="c"><label for="q2c">Chỉ dành cho công dân</label></div>
        </fieldset>
        <div class="form-actions"><button type="submit" class="button">Nộp bài</button></div>
      </form>
    </section>
    <div class="quiz-result quiz-fail"><h2 class="box-title">Chưa đạt: 50 %</h2><p>Cần 80 % để đạt. Bạn có thể làm lại.</p></div>
    <div class="quiz-result quiz-pass"><h2 class="box-title">Đạt: 100 %</h2><p>Bài học đã hoàn thành.</p></div>
    <div class="question-outcome correct"><p><strong>1. Tuyên ngôn Quốc tế Nhân quyền được thông qua năm nào?</strong></p><p>Bạn chọn: 1948</p><p class="feedback">Đúng: ngày 10 tháng 12 năm 1948.</p></div>
    <div class="question-outcome incorrect"><p><strong>2. Những nguyên tắc nào là của quyền con người?</strong></p><p>Bạn chọn: Chỉ dành cho công dân</p><p class="feedback">Quyền con người là của mọi người, không chỉ công dân.</p></div>
    <h2>Các lần làm bài</h2>
    <table class="attempt-list"><thead><tr><th scope="col">Lần</th><th scope="col">Ngày</th><th scope="col">Điểm</th><th scope="col">Kết quả</th></tr></thead>
      <tbody><tr><td>1</td><td>20/11/2026</td><td>50 %</td><td>Chưa đạt</td></tr><tr><td>2</td><td>21/11/2026</td><td>100 %</td><td>Đạt</td></tr></tbody></table>`;
  return shell('Bài kiểm tra', body, '<script src="/static/js/quiz-timer.js"></script>');
}

function learningPage() {
  const card = (title, pct, due, cls) => `
      <li class="learning-card${cls ? ` ${cls}` : ''}">
        <h2><a href="/module">${title}</a></h2>
        <progress class="course-progress" max="100" value="${pct}">${pct} %</progress>
        <p>Đã hoàn thành ${pct} %</p>
        ${due ? `<p class="due-date${cls ? ` ${cls}` : ''}">Hạn: ${due}</p>` : ''}
        <a class="button" href="/module">Tiếp tục</a>
      </li>`;
  const body = `
    <h1>Học tập của tôi</h1>
    <ul class="learning-list">
      ${card('Quyền con người: bài học mẫu', 40, '30/12/2026', '')}
      ${card('Quyền trẻ em', 75, '28/11/2026', 'due-soon')}
      ${card('Bình đẳng giới trong công việc hằng ngày', 10, '01/11/2026', 'overdue')}
      ${card('Tiếp cận công lý', 100, '', '')}
    </ul>`;
  return shell('Học tập của tôi', body);
}

function indexPage() {
  return shell('Harness', `<h1>Player harness</h1><ul>
    <li><a href="/module?kind=markdown">Module, Markdown slides</a></li>
    <li><a href="/module?kind=pdf">Module, PDF slides</a></li>
    <li><a href="/module?kind=none&amp;captions=none">Module, no slides, no captions</a></li>
    <li><a href="/module?kind=markdown&amp;hls=bad">Module, broken HLS (MP4 fallback)</a></li>
    <li><a href="/quiz?seconds=90">Quiz with a timer</a></li>
    <li><a href="/learning">My learning</a></li></ul>`);
}

// ---------- progress endpoint ----------

function merge(intervals) {
  const sorted = intervals.map(([s, e]) => [Math.max(0, s), Math.min(DURATION, e)])
    .filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out = [];
  for (const iv of sorted) {
    const lastIv = out[out.length - 1];
    if (lastIv && iv[0] <= lastIv[1]) lastIv[1] = Math.max(lastIv[1], iv[1]);
    else out.push([...iv]);
  }
  return out;
}

export function startServer({ port = 0, mediaDir = '/tmp/lms-player-media' } = {}) {
  const state = { mode: '200', records: [], acked: [], submissions: [] };

  const send = (res, status, body, headers = {}) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  const sendHtml = (res, html) => send(res, 200, html, {
    'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store',
  });

  function sendFile(req, res, file) {
    let stat;
    try { stat = fs.statSync(file); } catch { return send(res, 404, 'not found'); }
    if (!stat.isFile()) return send(res, 404, 'not found');
    const type = TYPES[path.extname(file)] || 'application/octet-stream';
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
    if (range) {
      let start = range[1] === '' ? stat.size - Number(range[2]) : Number(range[1]);
      let end = range[1] !== '' && range[2] !== '' ? Number(range[2]) : stat.size - 1;
      start = Math.max(0, start);
      end = Math.min(end, stat.size - 1);
      if (start > end) return send(res, 416, '', { 'Content-Range': `bytes */${stat.size}` });
      res.writeHead(206, {
        'Content-Type': type, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes',
        'Content-Range': `bytes ${start}-${end}/${stat.size}`,
      });
      fs.createReadStream(file, { start, end }).pipe(res);
      return undefined;
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': stat.size, 'Accept-Ranges': 'bytes' });
    fs.createReadStream(file).pipe(res);
    return undefined;
  }

  const readBody = (req) => new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = decodeURIComponent(url.pathname);
    if (req.method === 'POST' && p === '/api/v1/progress') {
      const raw = await readBody(req);
      let body = null;
      try { body = JSON.parse(raw); } catch { /* recorded as raw */ }
      const record = { at: Date.now(), mode: state.mode, type: req.headers['content-type'], body, raw };
      state.records.push(record);
      if (state.mode === 'hang') return undefined;   // never answers: the client times out
      if (state.mode !== '200') {
        return send(res, Number(state.mode), JSON.stringify({ message: `mode ${state.mode}` }), { 'Content-Type': 'application/json' });
      }
      if (!body || body.token !== TOKEN || !Array.isArray(body.intervals)) {
        return send(res, body && body.token !== TOKEN ? 401 : 422, '{}', { 'Content-Type': 'application/json' });
      }
      record.acked = true;
      state.acked.push(...body.intervals);
      const watched = merge(state.acked).reduce((sum, [s, e]) => sum + (e - s), 0);
      const percent = Math.min(100, (watched / DURATION) * 100);
      const complete = percent >= 90;
      return send(res, 200, JSON.stringify({
        watched_s: Math.round(watched * 10) / 10, duration_s: DURATION, watched_percent: Math.round(percent * 10) / 10,
        video_complete: complete, module_complete: complete, course_complete: false,
      }), { 'Content-Type': 'application/json' });
    }
    if (req.method === 'POST' && p === '/__mode') { state.mode = url.searchParams.get('status') || '200'; return send(res, 204, ''); }
    if (req.method === 'POST' && p === '/__reset') { state.records = []; state.acked = []; state.submissions = []; state.mode = '200'; return send(res, 204, ''); }
    if (p === '/__records') {
      return send(res, 200, JSON.stringify({ records: state.records, merged: merge(state.acked), submissions: state.submissions }), { 'Content-Type': 'application/json' });
    }
    if (req.method === 'POST' && p === '/quiz-submit') {
      state.submissions.push({ at: Date.now(), body: await readBody(req) });
      return sendHtml(res, shell('Đã nộp', '<h1>Đã nộp bài</h1>'));
    }
    if (p === '/' ) return sendHtml(res, indexPage());
    if (p === '/module') return sendHtml(res, modulePage(url.searchParams));
    if (p === '/quiz') return sendHtml(res, quizPage(url.searchParams));
    if (p === '/learning') return sendHtml(res, learningPage());
    if (p.startsWith('/static/')) return sendFile(req, res, path.join(STATIC, path.normalize(p.slice(8)).replace(/^(\.\.[/\\])+/, '')));
    if (p.startsWith('/media/')) return sendFile(req, res, path.join(mediaDir, path.normalize(p.slice(7)).replace(/^(\.\.[/\\])+/, '')));
    return send(res, 404, 'not found');
  });

  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      resolve({ server, state, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] || 8090);
  const { url } = await startServer({ port, mediaDir: process.argv[3] || '/tmp/lms-player-media' });
  console.log(`player harness on ${url}/`);
}
