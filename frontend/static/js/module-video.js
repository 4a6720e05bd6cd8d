// Module editor: upload a lecture video with tus (resumable: a dropped connection or a
// reloaded page continues where it stopped), attach it to the module, then follow the media
// worker's progress until the video is ready. Strings come from data attributes (translated
// on the server); the CSRF token travels in a header with every request.

const root = document.getElementById('video-upload');
const tus = window.tus;

if (root && tus && tus.isSupported) {
  const moduleId = root.dataset.moduleId;
  const csrf = root.dataset.csrf;
  const input = document.getElementById('video-file');
  const start = document.getElementById('video-upload-start');
  const uploadBox = document.getElementById('upload-progress');
  const uploadBar = document.getElementById('upload-bar');
  const uploadPercent = document.getElementById('upload-percent');
  const transcodeBox = document.getElementById('transcode-progress');
  const transcodeBar = document.getElementById('transcode-bar');
  const transcodePercent = document.getElementById('transcode-percent');
  const statusBox = document.getElementById('upload-status');
  const errorBox = document.getElementById('upload-error');

  const show = (el, text) => { el.textContent = text; el.hidden = false; };
  const percent = (fraction) => `${Math.floor(fraction * 100)} %`;

  async function api(method, url, body) {
    const res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.message || `${res.status}`);
    return data;
  }

  // Shows one state of the asset; true once it is final (ready: reload; failed: reason).
  function render(asset) {
    transcodeBar.value = Math.round(asset.progress * 100);
    transcodePercent.textContent = percent(asset.progress);
    if (asset.status === 'ready') {
      show(statusBox, root.dataset.msgReady);
      window.location.reload();
      return true;
    }
    if (asset.status === 'failed') {
      show(errorBox, asset.error || root.dataset.msgFailed);
      return true;
    }
    return false;
  }

  // Asks every 1.5 s (when Server-Sent Events are unavailable or broke).
  async function poll(assetId) {
    for (;;) {
      let asset;
      try {
        asset = await api('GET', `/api/v1/assets/${assetId}`);
      } catch (err) {
        show(errorBox, err.message);
        return;
      }
      if (render(asset)) return;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }

  // Follows the media worker live until the asset is ready (then reloads) or failed.
  function follow(assetId) {
    transcodeBox.hidden = false;
    const cancel = document.getElementById('transcode-cancel');
    cancel.onclick = async () => {
      cancel.disabled = true;
      try {
        await api('POST', `/api/v1/assets/${assetId}/cancel`);
      } catch (err) {
        show(errorBox, err.message);
      }
    };
    if (!window.EventSource) {
      poll(assetId);
      return;
    }
    const events = new EventSource(`/api/v1/assets/${assetId}/events`);
    let finished = false;
    events.addEventListener('asset', (e) => {
      if (render(JSON.parse(e.data))) {
        finished = true;
        events.close();
      }
    });
    events.onerror = () => {
      events.close();
      if (!finished) poll(assetId);
    };
  }

  input.addEventListener('change', () => { start.disabled = !input.files.length; });

  start.addEventListener('click', async () => {
    const file = input.files[0];
    if (!file) return;
    start.disabled = true;
    errorBox.hidden = true;
    uploadBox.hidden = false;
    const upload = new tus.Upload(file, {
      endpoint: '/api/v1/uploads',
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
      headers: { 'X-CSRF-Token': csrf },
      removeFingerprintOnSuccess: true,
      onProgress(sent, total) {
        uploadBar.value = Math.round((sent / total) * 100);
        uploadPercent.textContent = percent(sent / total);
      },
      onError(err) {
        const body = err.originalResponse && err.originalResponse.getBody();
        let message = root.dataset.msgFailed;
        try { message = JSON.parse(body).message || message; } catch { /* not JSON */ }
        show(errorBox, message);
        start.disabled = false;
      },
      async onSuccess() {
        try {
          const status = await api('GET', upload.url);
          await api('PUT', `/api/v1/modules/${moduleId}/video`, { asset_id: status.asset_id });
          await follow(status.asset_id);
        } catch (err) {
          show(errorBox, err.message);
          start.disabled = false;
        }
      },
    });
    const previous = await upload.findPreviousUploads();
    if (previous.length) {
      upload.resumeFromPreviousUpload(previous[0]);
      show(statusBox, root.dataset.msgResumed);
    }
    upload.start();
  });

  // A video still being processed when the page opens: show its progress.
  const pending = root.dataset.assetId;
  if (pending && ['uploaded', 'probing', 'transcoding'].includes(root.dataset.assetStatus)) {
    follow(pending);
  }
}
