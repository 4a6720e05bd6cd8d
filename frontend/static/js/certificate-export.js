// The export page: follows the background export's progress and offers the ZIP when done.
const box = document.getElementById('export-status');
const bar = document.getElementById('export-progress');
const message = document.getElementById('export-message');
const link = document.getElementById('export-download');
const lang = document.documentElement.lang === 'en' ? 'en' : 'vi';
const words = {
  vi: { queued: 'Đang chờ xử lý…', running: 'Đang tạo tệp…', done: 'Đã xong', failed: 'Không thành công', cancelled: 'Đã hủy', certs: 'chứng nhận' },
  en: { queued: 'Waiting to start…', running: 'Building the file…', done: 'Done', failed: 'Failed', cancelled: 'Cancelled', certs: 'certificates' },
}[lang];

async function poll() {
  let status;
  try {
    const res = await fetch(box.dataset.statusUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(String(res.status));
    status = await res.json();
  } catch {
    setTimeout(poll, 3000);
    return;
  }
  bar.value = Math.round(status.progress * 100);
  let text = `${words[status.status] ?? status.status} · ${Math.round(status.progress * 100)} %`;
  if (status.status === 'done') text = `${words.done} · ${status.count} ${words.certs}`;
  if (status.status === 'failed' && status.error) text += ` · ${status.error}`;
  message.textContent = text;
  box.dataset.status = status.status;
  if (status.download_url) {
    link.href = status.download_url;
    link.classList.remove('is-hidden');
  }
  if (status.status === 'queued' || status.status === 'running') setTimeout(poll, 1000);
}
poll();
