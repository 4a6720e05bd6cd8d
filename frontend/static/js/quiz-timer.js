// Timed quiz: counts down to the deadline the server set (#quiz-timer[data-deadline], an
// ISO 8601 instant) as "mm:ss left", and when time is up submits #quiz-form once, with
// whatever has been answered (the server enforces the deadline too; this only spares the
// learner a refused late submission). Strings come from data attributes (translated on the
// server). An optional data-now (the server's clock when the page was made) corrects a
// learner's clock that is wrong.

(() => {
  const timer = document.getElementById('quiz-timer');
  const form = document.getElementById('quiz-form');
  if (!timer || !timer.dataset.deadline) return;

  const deadline = Date.parse(timer.dataset.deadline);
  if (!Number.isFinite(deadline)) return;
  const serverNow = Date.parse(timer.dataset.now || '');
  const skew = Number.isFinite(serverNow) ? serverNow - Date.now() : 0;
  const template = timer.dataset.msgLeft || '{time}';

  // mm:ss; minutes go past 59 for long quizzes (90:00), as on a kitchen timer.
  const format = (ms) => {
    const s = Math.max(0, Math.ceil(ms / 1000));
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };

  // The visible timer is not a live region (a screen reader would read it every second);
  // a hidden one announces the time left at a few moments.
  timer.setAttribute('role', 'timer');
  timer.setAttribute('aria-live', 'off');
  const announcer = document.createElement('span');
  announcer.className = 'visually-hidden';
  announcer.setAttribute('aria-live', 'polite');
  timer.after(announcer);
  const announceAt = [600, 300, 60, 10];
  const announced = new Set();

  let submitted = false;
  let tick = null;
  // A submission by the learner ends the countdown (unless a script cancelled it).
  if (form) {
    form.addEventListener('submit', (e) => {
      setTimeout(() => { if (!e.defaultPrevented) { submitted = true; clearTimeout(tick); } });
    });
  }

  function submit() {
    if (submitted || !form) return;
    submitted = true;
    // Unanswered required questions must not block the automatic submission.
    form.noValidate = true;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function update() {
    const left = deadline - (Date.now() + skew);
    const seconds = Math.max(0, Math.ceil(left / 1000));
    timer.textContent = template.replace('{time}', format(left));
    timer.classList.toggle('timer-warning', seconds <= 60 && seconds > 0);
    timer.classList.toggle('timer-expired', seconds <= 0);
    for (const at of announceAt) {
      if (seconds <= at && seconds > at - 2 && !announced.has(at)) {
        announced.add(at);
        announcer.textContent = timer.textContent;
      }
    }
    if (left <= 0) {
      submit();
      return;
    }
    // Wake on the next whole second of the countdown.
    clearTimeout(tick);
    tick = setTimeout(update, (left % 1000) || 1000);
  }

  // A background tab's timers are slowed: catch up as soon as it is visible again.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !submitted) update();
  });
  update();
})();
