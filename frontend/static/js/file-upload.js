// Uploads a PDF (module slides) or a picture (course cover) with tus, attaches it with one
// PUT to the URL the page names, then reloads. Each `.file-upload` block carries its own
// settings and translated messages in data attributes.

const tus = window.tus;

for (const root of document.querySelectorAll('.file-upload')) {
  const input = root.querySelector('input[type=file]');
  const start = root.querySelector('button');
  const bar = root.querySelector('progress');
  const errorBox = root.querySelector('[role=alert]');
  const csrf = root.dataset.csrf;
  if (!tus || !tus.isSupported || !input || !start) continue;

  const fail = (message) => {
    errorBox.textContent = message || root.dataset.msgFailed;
    errorBox.hidden = false;
    start.disabled = false;
  };

  input.addEventListener('change', () => { start.disabled = !input.files.length; });
  start.addEventListener('click', () => {
    const file = input.files[0];
    if (!file) return;
    start.disabled = true;
    errorBox.hidden = true;
    bar.hidden = false;
    const upload = new tus.Upload(file, {
      endpoint: '/api/v1/uploads',
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
      headers: { 'X-CSRF-Token': csrf },
      removeFingerprintOnSuccess: true,
      onProgress(sent, total) { bar.value = Math.round((sent / total) * 100); },
      onError(err) {
        let message;
        try { message = JSON.parse(err.originalResponse.getBody()).message; } catch { /* not JSON */ }
        fail(message);
      },
      async onSuccess() {
        try {
          const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf };
          const status = await (await fetch(upload.url, { credentials: 'same-origin', headers })).json();
          const res = await fetch(root.dataset.attachUrl, {
            method: 'PUT', credentials: 'same-origin', headers, body: JSON.stringify({ asset_id: status.asset_id }),
          });
          if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message);
          window.location.reload();
        } catch (err) {
          fail(err.message);
        }
      },
    });
    upload.start();
  });
}
