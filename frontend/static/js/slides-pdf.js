// PDF slides beside the lecture video: one page at a time, drawn by pdf.js into a canvas as
// wide as the column (sharp on high-density screens), with previous/next buttons, arrow keys
// while the viewer has focus, and "Page N of M". When the page gives the time at which each
// slide starts (data-pdf-times) and "Follow the video" is ticked, the page turns with the
// video. The page's text is also put in the document, visually hidden, for screen readers.
// Loaded as a module, only on pages whose slides are a PDF; strings come from data
// attributes (translated on the server).

const VENDOR = '/static/vendor';
const box = document.getElementById('slides');

if (box && box.dataset.kind === 'pdf' && box.dataset.pdfUrl) {
  start(box).catch((err) => {
    console.error('slides: the PDF could not be shown', err);
    box.classList.add('pdf-failed');
  });
}

async function start(box) {
  const data = box.dataset;
  const video = document.getElementById('player-video');
  const follow = document.getElementById('slides-follow');
  const msg = (key, fallback) => data[key] || fallback;

  let viewer = box.querySelector('.pdf-viewer');
  if (!viewer) {
    viewer = document.createElement('div');
    viewer.className = 'pdf-viewer';
    const followLabel = box.querySelector('.slides-follow');
    box.insertBefore(viewer, followLabel);
  }
  viewer.setAttribute('aria-busy', 'true');

  // Only now the library (the largest file on the page) is fetched.
  const pdfjs = await import(`${VENDOR}/pdf.min.mjs`);
  pdfjs.GlobalWorkerOptions.workerSrc = `${VENDOR}/pdf.worker.min.mjs`;
  const pdf = await pdfjs.getDocument({
    url: data.pdfUrl,
    // Under the strict CSP eval is refused; pdf.js has a path without it.
    isEvalSupported: false,
    enableXfa: false,
  }).promise;
  const pages = pdf.numPages;

  // Seconds at which each page starts: page i + 1 from times[i].
  let times = [];
  try {
    const parsed = JSON.parse(data.pdfTimes || '[]');
    if (Array.isArray(parsed)) times = parsed.map(Number).filter(Number.isFinite);
  } catch { /* no timing: the learner turns the pages */ }

  // The viewer: canvas, hidden text, then the navigation below it.
  const frame = document.createElement('div');
  frame.className = 'pdf-frame';
  const canvas = document.createElement('canvas');
  canvas.className = 'pdf-canvas';
  canvas.setAttribute('aria-hidden', 'true');
  const text = document.createElement('div');
  text.className = 'visually-hidden pdf-text';
  frame.append(canvas, text);

  const nav = document.createElement('div');
  nav.className = 'pdf-nav';
  const prev = document.createElement('button');
  prev.type = 'button';
  prev.className = 'button button-secondary button-small pdf-prev';
  prev.textContent = msg('msgPrev', 'Previous');
  const label = document.createElement('span');
  label.className = 'pdf-page';
  label.setAttribute('aria-live', 'polite');
  const next = document.createElement('button');
  next.type = 'button';
  next.className = 'button button-secondary button-small pdf-next';
  next.textContent = msg('msgNext', 'Next');
  nav.append(prev, label, next);

  viewer.replaceChildren(frame, nav);
  viewer.tabIndex = 0;
  viewer.setAttribute('role', 'region');
  if (!viewer.hasAttribute('aria-label')) {
    const heading = box.querySelector('h2, h3');
    viewer.setAttribute('aria-label', heading ? heading.textContent.trim() : 'PDF');
  }

  let current = 0;
  let shownWidth = 0;
  let task = null;
  let drawing = Promise.resolve();

  // Draws one page at the frame's width × devicePixelRatio; a newer request cancels an
  // older drawing still in progress.
  async function draw(number) {
    if (task) task.cancel();
    const page = await pdf.getPage(number);
    const cssWidth = frame.clientWidth || 320;
    const base = page.getViewport({ scale: 1 });
    const ratio = window.devicePixelRatio || 1;
    const viewport = page.getViewport({ scale: (cssWidth / base.width) * ratio });
    // A fresh canvas per page: resizing one that is still drawing would flash.
    const next = document.createElement('canvas');
    next.className = 'pdf-canvas';
    next.setAttribute('aria-hidden', 'true');
    next.width = Math.floor(viewport.width);
    next.height = Math.floor(viewport.height);
    task = page.render({ canvas: next, viewport });
    try {
      await task.promise;
    } catch (err) {
      if (err && err.name === 'RenderingCancelledException') return;
      throw err;
    } finally {
      task = null;
    }
    frame.querySelector('.pdf-canvas').replaceWith(next);
    shownWidth = cssWidth;
    const content = await page.getTextContent();
    text.textContent = content.items.map((item) => item.str).join(' ');
  }

  function show(number) {
    const n = Math.min(pages, Math.max(1, number));
    if (n === current) return;
    current = n;
    label.textContent = msg('msgPage', 'Page {page} of {pages}')
      .replace('{page}', n).replace('{pages}', pages);
    prev.disabled = n <= 1;
    next.disabled = n >= pages;
    viewer.dataset.page = String(n);
    drawing = draw(n).catch((err) => console.error('slides: page', n, err));
    drawing.then(() => viewer.removeAttribute('aria-busy'));
  }

  prev.addEventListener('click', () => show(current - 1));
  next.addEventListener('click', () => show(current + 1));
  // Arrow keys turn pages here (the player leaves these keys to the viewer).
  viewer.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const moves = { ArrowLeft: -1, ArrowUp: -1, PageUp: -1, ArrowRight: 1, ArrowDown: 1, PageDown: 1 };
    if (e.key in moves) show(current + moves[e.key]);
    else if (e.key === 'Home') show(1);
    else if (e.key === 'End') show(pages);
    else return;
    e.preventDefault();
  });

  // The column changes width (rotation, resize): draw again at the new size.
  let resizeTimer = null;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (current && Math.abs(frame.clientWidth - shownWidth) > 2) {
        drawing = draw(current).catch((err) => console.error('slides: redraw', err));
      }
    }, 150);
  }).observe(frame);

  // Following: the page turns when the video crosses into another slide's time. A page
  // turned by hand stays until then, instead of being snapped back at the next timeupdate.
  let followed = 0;
  const pageAt = (t) => {
    let page = 1;
    for (let i = 0; i < times.length && i < pages; i++) if (times[i] <= t + 0.05) page = i + 1;
    return page;
  };
  function followVideo(force) {
    if (!times.length || !video || (follow && !follow.checked)) return;
    const page = pageAt(video.currentTime);
    if (page !== followed || force) {
      followed = page;
      show(page);
    }
  }
  if (video && times.length) {
    video.addEventListener('timeupdate', () => followVideo(false));
    video.addEventListener('seeked', () => followVideo(false));
  }
  if (follow) follow.addEventListener('change', () => followVideo(true));

  show(times.length && video && (!follow || follow.checked) ? pageAt(video.currentTime) : 1);
  followed = current;
  await drawing;
}
