// Learner's module page: the lecture video (HLS with hls.js where the browser has no native
// HLS, the MP4 otherwise or when HLS fails), speed and captions menus remembered across
// modules, keyboard shortcuts, resume, and the progress heartbeats that tell the server which
// parts of the video were actually played. Markdown slides follow the video (PDF slides do
// it in slides-pdf.js). Strings come from data attributes (translated on the server); no
// inline script or style anywhere (strict CSP).
//
// What counts as watched: intervals of MEDIA time that played continuously. Seeking never
// counts the part jumped over; at 2× a 10 s stretch of wall clock covers 20 s of media (the
// server caps the rate). The server merges overlapping intervals, so sending one twice is
// harmless, and losing one is not: an interval leaves the pending list only once a 200 says
// the server has it.

(() => {
  const root = document.getElementById('player');
  const video = document.getElementById('player-video');
  if (!root || !video) return;

  const data = root.dataset;
  const speedSelect = document.getElementById('player-speed');
  const captionsSelect = document.getElementById('player-captions');
  const watchedBar = document.getElementById('watched-bar');
  const watchedText = document.getElementById('watched-percent');
  const statusBox = document.getElementById('module-status');

  const HEARTBEAT_MS = 10_000;
  const REQUEST_TIMEOUT_MS = 20_000;
  const BACKOFF_FIRST_MS = 5_000;
  const BACKOFF_MAX_MS = 60_000;
  // A timeupdate further than this (× playback rate) from the previous one is a jump, not
  // play: browsers fire timeupdate every 15–250 ms, so 1.5 s leaves room for a busy page.
  const SLACK_S = 1.5;
  const STORE_SPEED = 'lms.player.speed';
  const STORE_CAPTIONS = 'lms.player.captions';

  const number = (value, fallback) => {
    const n = Number.parseFloat(value);
    return Number.isFinite(n) ? n : fallback;
  };
  const round3 = (s) => Math.round(s * 1000) / 1000;
  // m:ss (h:mm:ss past an hour), as people read a time in a video.
  const clock = (seconds) => {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, '0');
    return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
  };
  const store = {
    get(key) { try { return window.localStorage.getItem(key); } catch { return null; } },
    set(key, value) { try { window.localStorage.setItem(key, value); } catch { /* private mode */ } },
  };
  const duration = () => (Number.isFinite(video.duration) && video.duration > 0
    ? video.duration : number(data.duration, 0));

  // ---------- status line: one message at a time, the most important wins ----------

  // expired > offline > complete > a short-lived note (resumed).
  const status = { expired: false, offline: false, note: '' };
  let noteTimer = null;
  function renderStatus() {
    if (!statusBox) return;
    let text = '';
    if (status.expired) text = data.msgExpired;
    else if (status.offline) text = data.msgOffline;
    else if (data.moduleComplete === 'true') text = data.msgComplete;
    else text = status.note;
    text = text || '';
    if (statusBox.textContent !== text) statusBox.textContent = text;
    statusBox.classList.toggle('is-warning', status.expired || status.offline);
    statusBox.classList.toggle('is-complete', !status.expired && !status.offline
      && data.moduleComplete === 'true');
  }
  function note(text, ms) {
    status.note = text;
    clearTimeout(noteTimer);
    noteTimer = setTimeout(() => { status.note = ''; renderStatus(); }, ms);
    renderStatus();
  }

  // ---------- source: native HLS, hls.js, or the MP4 ----------

  let hls = null;
  let usingMp4 = false;

  // The MP4 at the same position and speed, playing if the video was playing.
  function fallBackToMp4() {
    if (usingMp4 || !data.mp4) return;
    usingMp4 = true;
    const at = video.currentTime || pendingSeek || 0;
    const wasPlaying = !video.paused;
    closeInterval();
    if (hls) { hls.destroy(); hls = null; }
    video.src = data.mp4;
    seekWhenReady(at);
    if (wasPlaying) video.play().catch(() => { /* the learner presses play again */ });
  }

  function attachSource() {
    const canNative = data.hls && video.canPlayType('application/vnd.apple.mpegurl');
    if (canNative) {
      video.src = data.hls;
    } else if (data.hls && window.Hls && window.Hls.isSupported()) {
      const Hls = window.Hls;
      hls = new Hls({ capLevelToPlayerSize: true });
      let mediaRecoveries = 0;
      hls.on(Hls.Events.ERROR, (_event, err) => {
        if (!err.fatal) return;
        // hls.js has already retried network errors with its own backoff before calling
        // them fatal; a media (decode) error gets one recovery before we give up on HLS.
        if (err.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries === 0) {
          mediaRecoveries += 1;
          hls.recoverMediaError();
          return;
        }
        console.warn('HLS failed, playing the MP4 instead', err.type, err.details);
        fallBackToMp4();
      });
      hls.loadSource(data.hls);
      hls.attachMedia(video);
    } else {
      usingMp4 = true;
      video.src = data.mp4;
    }
  }

  // Native HLS (or the MP4) that cannot play: an error on the element itself.
  video.addEventListener('error', () => {
    if (!hls && !usingMp4) {
      console.warn('native HLS failed, playing the MP4 instead');
      fallBackToMp4();
    }
  });

  // ---------- seeking once the media can seek (resume, MP4 fallback) ----------

  let pendingSeek = null;
  function seekWhenReady(at) {
    pendingSeek = at;
    if (video.readyState >= HTMLMediaElement.HAVE_METADATA) applyPendingSeek();
  }
  function applyPendingSeek() {
    if (pendingSeek === null) return;
    const at = pendingSeek;
    pendingSeek = null;
    if (at > 0 && Math.abs(video.currentTime - at) > 0.5) video.currentTime = at;
  }
  video.addEventListener('loadedmetadata', () => {
    applyPendingSeek();
    applySpeed(currentSpeed);
  });

  // Resume where the learner stopped, unless that is the very beginning or the very end.
  const resumeAt = number(data.resume, 0);
  function resume() {
    const total = duration();
    if (resumeAt > 5 && (!total || resumeAt < total - 5)) {
      seekWhenReady(resumeAt);
      if (data.msgResumed) note(data.msgResumed.replace('{time}', clock(resumeAt)), 6000);
    }
  }

  // ---------- speed ----------

  const speeds = speedSelect
    ? [...speedSelect.options].map((o) => number(o.value, 1)).sort((a, b) => a - b)
    : [0.75, 1, 1.25, 1.5, 1.75, 2];
  let currentSpeed = 1;
  function applySpeed(rate) {
    currentSpeed = rate;
    // defaultPlaybackRate too: loading a source (the MP4 fallback) resets playbackRate to it.
    video.defaultPlaybackRate = rate;
    video.playbackRate = rate;
    if (speedSelect && number(speedSelect.value, 1) !== rate) {
      const option = [...speedSelect.options].find((o) => number(o.value, 1) === rate);
      if (option) speedSelect.value = option.value;
    }
  }
  function chooseSpeed(rate) {
    applySpeed(rate);
    store.set(STORE_SPEED, String(rate));
  }
  const rememberedSpeed = number(store.get(STORE_SPEED), NaN);
  applySpeed(speeds.includes(rememberedSpeed) ? rememberedSpeed : (speedSelect ? number(speedSelect.value, 1) : 1));
  if (speedSelect) speedSelect.addEventListener('change', () => chooseSpeed(number(speedSelect.value, 1)));
  // The browser's own controls may change the speed too: keep the menu in step.
  video.addEventListener('ratechange', () => {
    if (video.playbackRate !== currentSpeed && speeds.includes(video.playbackRate)) {
      chooseSpeed(video.playbackRate);
    }
  });
  function stepSpeed(direction) {
    const i = speeds.findIndex((s) => s >= video.playbackRate - 1e-6);
    const here = i === -1 ? speeds.length - 1 : i;
    const next = speeds[Math.min(speeds.length - 1, Math.max(0, here + direction))];
    if (next !== undefined) chooseSpeed(next);
  }

  // ---------- captions ----------

  const captionTracks = () => [...video.textTracks]
    .filter((t) => t.kind === 'captions' || t.kind === 'subtitles');
  let lastShown = '';    // the language C turns back on
  function showCaptions(lang) {
    let shown = '';
    for (const track of captionTracks()) {
      const on = Boolean(lang) && track.language === lang && !shown;
      track.mode = on ? 'showing' : 'disabled';
      if (on) shown = lang;
    }
    if (captionsSelect) captionsSelect.value = shown;
    if (shown) lastShown = shown;
    return shown;
  }
  function chooseCaptions(lang) {
    store.set(STORE_CAPTIONS, showCaptions(lang) || '');
  }
  const available = new Set(captionTracks().map((t) => t.language));
  const rememberedLang = store.get(STORE_CAPTIONS) || '';
  showCaptions(available.has(rememberedLang) ? rememberedLang : '');
  if (captionsSelect) {
    captionsSelect.addEventListener('change', () => chooseCaptions(captionsSelect.value));
  }
  // Captions switched from the browser's own menu: keep ours in step.
  video.textTracks.addEventListener('change', () => {
    const showing = captionTracks().find((t) => t.mode === 'showing');
    const lang = showing ? showing.language : '';
    if (lang) lastShown = lang;
    if (captionsSelect && captionsSelect.value !== lang
        && [...captionsSelect.options].some((o) => o.value === lang)) {
      captionsSelect.value = lang;
      store.set(STORE_CAPTIONS, lang);
    }
  });
  function toggleCaptions() {
    const showing = captionTracks().find((t) => t.mode === 'showing');
    if (showing) {
      chooseCaptions('');
    } else {
      // The language last shown on this page, else the first one offered.
      const first = captionsSelect && captionsSelect.options[1] ? captionsSelect.options[1].value
        : (captionTracks()[0] ? captionTracks()[0].language : '');
      chooseCaptions(available.has(lastShown) ? lastShown : first);
    }
  }

  // ---------- moving around ----------

  function skip(seconds) {
    const total = duration();
    let to = video.currentTime + seconds;
    to = Math.max(0, total ? Math.min(total, to) : to);
    video.currentTime = to;
  }
  function togglePlay() {
    if (video.paused || video.ended) video.play().catch(() => { /* blocked: the learner clicks play */ });
    else video.pause();
  }
  const back10 = document.getElementById('player-back10');
  const fwd10 = document.getElementById('player-fwd10');
  if (back10) back10.addEventListener('click', () => skip(-10));
  if (fwd10) fwd10.addEventListener('click', () => skip(10));

  // Shortcuts as on the big video sites, except while typing or choosing in a form field,
  // and except the keys the PDF viewer uses for its pages while it has focus. Space on a
  // button or link keeps its own meaning (pressing it), and on the focused video it is left
  // to the browser's own controls (they act on keyup, which would undo ours). Listening in
  // the capture phase lets a key handled here on the focused video stop before the
  // browser's controls act on it a second time.
  const PAGE_KEYS = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End'];
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target instanceof Element ? e.target : null;
    if (target && target.closest('input, select, textarea, [contenteditable=""], [contenteditable="true"]')) return;
    if (target && PAGE_KEYS.includes(e.key) && target.closest('.pdf-viewer')) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    let handled = true;
    switch (key) {
      case ' ':
        if (target && (target === video || target.closest('button, a[href], summary, [role=button]'))) return;
        togglePlay();
        break;
      case 'k': togglePlay(); break;
      case 'j': case 'ArrowLeft': skip(-10); break;
      case 'l': case 'ArrowRight': skip(10); break;
      case '<': stepSpeed(-1); break;
      case '>': stepSpeed(1); break;
      case 'c': toggleCaptions(); break;
      default: handled = false;
    }
    if (!handled) return;
    e.preventDefault();
    if (target === video) e.stopPropagation();
  }, true);

  // ---------- watched intervals ----------

  // pending: closed intervals [start, end] the server has not acknowledged yet.
  // open: the interval being played now (same [start, end] shape), or null.
  // last: the media time of the previous observation while playing, or null.
  let pending = [];
  let open = null;
  let last = null;

  function observe(t) {
    if (last === null) { last = t; return; }
    const delta = t - last;
    if (delta >= 0 && delta <= SLACK_S * (video.playbackRate || 1)) {
      if (open) open[1] = t;
      else if (delta > 0) open = [last, t];
    } else {
      // A jump without a seeking event (a gap skipped, a stall caught up): not watched.
      closeInterval();
    }
    last = t;
  }
  function closeInterval() {
    if (open && open[1] > open[0]) pending.push(open);
    open = null;
  }

  video.addEventListener('playing', () => { last = video.currentTime; });
  video.addEventListener('timeupdate', () => {
    if (!video.paused && !video.seeking) observe(video.currentTime);
    followSlides();
  });
  // The new position is already in currentTime: close at the last time actually played.
  video.addEventListener('seeking', () => { closeInterval(); last = null; });
  video.addEventListener('seeked', () => {
    last = video.paused ? null : video.currentTime;
    followSlides();
    heartbeat();
  });
  // At the end, the last timeupdate may come after `paused` is already true: the final
  // stretch up to the end is taken here.
  video.addEventListener('pause', () => {
    if (!video.seeking && last !== null) observe(video.currentTime);
    closeInterval();
    last = null;
    heartbeat();
  });
  video.addEventListener('ended', () => {
    if (last !== null) observe(video.currentTime);
    closeInterval();
    last = null;
    heartbeat();
  });

  // ---------- heartbeats ----------

  const url = data.progressUrl;
  const token = data.progressToken;
  let inflight = null;     // the request on its way, as a promise
  let again = false;       // a send was asked for while one was in flight
  let failures = 0;
  let retryAt = 0;         // backing off: no automatic send before this (ms since epoch)
  let retryTimer = null;
  let stopped = !url;      // session expired (or no URL): nothing more is sent
  let lastSentPosition = -1;

  // What the next request carries: every unacknowledged interval, the open one up to now.
  function batch() {
    if (!video.paused && !video.seeking && last !== null) observe(video.currentTime);
    const closed = pending.slice();
    const intervals = closed.map(([s, e]) => [round3(s), round3(e)]);
    const openRef = open;
    const openEnd = open ? open[1] : null;
    if (open && open[1] > open[0]) intervals.push([round3(open[0]), round3(open[1])]);
    const position = round3(video.currentTime || 0);
    return { closed, openRef, openEnd, intervals, position, body: JSON.stringify({ token, intervals, position }) };
  }

  // The server has these: drop the closed ones, and trim the open one to what was not sent.
  function acknowledge(b) {
    pending = pending.filter((iv) => !b.closed.includes(iv));
    if (b.openRef && b.openEnd !== null) {
      b.openRef[0] = Math.max(b.openRef[0], b.openEnd);
      if (b.openRef[0] >= b.openRef[1]) {
        // Fully acknowledged: if it was closed meanwhile, it has nothing left to send.
        pending = pending.filter((iv) => iv !== b.openRef);
      }
    }
  }

  function showProgress(res) {
    if (typeof res.watched_percent === 'number') {
      const pct = Math.max(0, Math.min(100, Math.floor(res.watched_percent)));
      if (watchedBar) watchedBar.value = pct;
      if (watchedText && data.msgWatched) watchedText.textContent = data.msgWatched.replace('{percent}', pct);
    }
    if (res.module_complete && data.moduleComplete !== 'true') {
      data.moduleComplete = 'true';
    }
    renderStatus();
    document.dispatchEvent(new CustomEvent('lms:progress', { detail: res }));
  }

  function succeeded() {
    failures = 0;
    retryAt = 0;
    clearTimeout(retryTimer);
    if (status.offline) { status.offline = false; renderStatus(); }
  }
  function failed() {
    failures += 1;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1));
    retryAt = Date.now() + delay;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => heartbeat(), delay);
    if (!status.offline) { status.offline = true; renderStatus(); }
  }
  function expire() {
    stopped = true;
    clearTimeout(retryTimer);
    status.expired = true;
    renderStatus();
  }

  async function post(b) {
    let res;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: b.body,
        keepalive: true,
        credentials: 'same-origin',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      failed();
      return null;
    }
    if (res.ok) {
      acknowledge(b);
      lastSentPosition = b.position;
      succeeded();
      const body = await res.json().catch(() => null);
      if (body) showProgress(body);
      return body;
    }
    if (res.status === 401 || res.status === 403) {
      expire();
      return null;
    }
    if (res.status === 400 || res.status === 413 || res.status === 422) {
      // Retrying the same body would fail forever.
      console.error('progress: the server refused these intervals', res.status, b.intervals);
      acknowledge(b);
      succeeded();
      return null;
    }
    failed();   // 5xx, 429, a proxy's page: keep everything, try later
    return null;
  }

  // Sends what is pending, unless there is nothing new. `force` ignores the backoff and
  // sends even without news (flush). Never two requests at once: a send asked for during
  // one happens right after it.
  function heartbeat(force = false) {
    if (stopped) return Promise.resolve(null);
    if (inflight) { again = true; return inflight; }
    if (!force && Date.now() < retryAt) return Promise.resolve(null);
    const b = batch();
    if (!force && !b.intervals.length && Math.abs(b.position - lastSentPosition) < 1) {
      return Promise.resolve(null);
    }
    inflight = post(b).finally(() => {
      inflight = null;
      if (again) { again = false; heartbeat(); }
    });
    return inflight;
  }

  // The page goes away (or to the background, where it may be killed without notice): a
  // beacon survives the unload. Whether it arrived is unknown, so nothing is dropped.
  let lastBeacon = '';
  function beacon() {
    if (stopped || !navigator.sendBeacon) return;
    const b = batch();
    if (!b.intervals.length && Math.abs(b.position - lastSentPosition) < 1) return;
    if (b.body === lastBeacon) return;
    lastBeacon = b.body;
    navigator.sendBeacon(url, new Blob([b.body], { type: 'application/json' }));
  }

  setInterval(() => { if (!video.paused && !video.ended) heartbeat(); }, HEARTBEAT_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') beacon();
  });
  window.addEventListener('pagehide', beacon);
  window.addEventListener('online', () => { retryAt = 0; heartbeat(); });

  // ---------- markdown slides follow the video ----------

  const slidesBox = document.getElementById('slides');
  const slideList = slidesBox && slidesBox.dataset.kind === 'markdown'
    ? slidesBox.querySelector('.slide-list') : null;
  const follow = document.getElementById('slides-follow');
  const slides = slideList
    ? [...slideList.querySelectorAll('.slide[data-t]')]
      .map((el) => ({ el, t: number(el.dataset.t, NaN) }))
      .filter((s) => Number.isFinite(s.t))
      .sort((a, b) => a.t - b.t)
    : [];
  let currentSlide = null;
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

  // Scrolls the slide list only: scrollIntoView would also scroll the page, and on a phone
  // pull the video out of sight.
  function scrollToSlide(el) {
    if (!slideList || slideList.scrollHeight <= slideList.clientHeight) return;
    const top = el.getBoundingClientRect().top - slideList.getBoundingClientRect().top
      + slideList.scrollTop - 8;
    slideList.scrollTo({ top: Math.max(0, top), behavior: reducedMotion.matches ? 'auto' : 'smooth' });
  }

  function followSlides() {
    if (!slides.length) return;
    const t = video.currentTime;
    let found = null;
    for (const s of slides) {
      if (s.t <= t + 0.05) found = s; else break;
    }
    if (found === currentSlide) return;
    if (currentSlide) {
      currentSlide.el.classList.remove('is-current');
      currentSlide.el.removeAttribute('aria-current');
    }
    currentSlide = found;
    if (!found) return;
    found.el.classList.add('is-current');
    found.el.setAttribute('aria-current', 'true');
    if (!follow || follow.checked) scrollToSlide(found.el);
  }

  if (slides.length) {
    // Each timed slide gets a real button (keyboard, screen readers) to play from there;
    // clicking elsewhere on the slide does the same, except on its own links and controls.
    const seekLabel = slidesBox.dataset.msgSeek;
    for (const s of slides) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'slide-time';
      button.textContent = clock(s.t);
      if (seekLabel) button.setAttribute('aria-label', seekLabel.replace('{time}', clock(s.t)));
      button.dataset.t = String(s.t);
      s.el.prepend(button);
    }
    slideList.addEventListener('click', (e) => {
      const target = e.target instanceof Element ? e.target : null;
      if (!target) return;
      const button = target.closest('.slide-time');
      if (!button && target.closest('a, button, input, select, textarea, summary, video, audio')) return;
      if (!button && String(window.getSelection && window.getSelection()).length) return;
      const slide = target.closest('.slide[data-t]');
      if (!slide) return;
      const t = number(slide.dataset.t, NaN);
      if (!Number.isFinite(t)) return;
      video.currentTime = t;
      if (video.paused) video.play().catch(() => { /* blocked: the time is set anyway */ });
    });
    if (follow) {
      follow.addEventListener('change', () => {
        if (follow.checked && currentSlide) scrollToSlide(currentSlide.el);
      });
    }
  }

  // ---------- start ----------

  attachSource();
  resume();
  renderStatus();
  followSlides();

  window.lmsPlayer = {
    video,
    // Copies of what the server has not acknowledged yet, the open interval included.
    pendingIntervals() {
      const list = pending.map(([s, e]) => [round3(s), round3(e)]);
      if (open && open[1] > open[0]) list.push([round3(open[0]), round3(open[1])]);
      return list;
    },
    // Resolves once the request in flight (if any) and one more with everything pending
    // have settled: with the server's answer, or null.
    async flush() {
      if (inflight) await inflight.catch(() => null);
      return heartbeat(true);
    },
    get hls() { return hls; },
    get source() { return hls ? 'hls.js' : (usingMp4 ? 'mp4' : 'native-hls'); },
  };
})();
