// Module editor: add or replace a caption track of the ready video. The file is read in the
// browser and sent as text to the API, which checks it cue by cue (SRT is converted to
// WebVTT); every problem comes back with its line number and is listed here.

const root = document.getElementById('captions');

if (root) {
  const language = document.getElementById('caption-language');
  const label = document.getElementById('caption-label');
  const file = document.getElementById('caption-file');
  const button = document.getElementById('caption-upload');
  const errorBox = document.getElementById('caption-error');
  const statusBox = document.getElementById('caption-status');

  const fail = (message, problems = []) => {
    statusBox.hidden = true;
    errorBox.replaceChildren();
    const p = document.createElement('p');
    p.textContent = `${root.dataset.msgFailed} ${message}`;
    errorBox.append(p);
    if (problems.length) {
      const list = document.createElement('ul');
      list.className = 'problem-list';
      for (const problem of problems) {
        const li = document.createElement('li');
        li.textContent = `${problem.line}: ${problem.message}`;
        list.append(li);
      }
      errorBox.append(list);
    }
    errorBox.hidden = false;
    errorBox.focus?.();
  };

  button.addEventListener('click', async () => {
    const chosen = file.files && file.files[0];
    if (!chosen) {
      file.focus();
      return;
    }
    button.disabled = true;
    try {
      const content = await chosen.text();
      const res = await fetch(`/api/v1/assets/${root.dataset.assetId}/captions`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': root.dataset.csrf },
        body: JSON.stringify({ language: language.value, label: label.value || null, content }),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        const problems = (data.details && data.details.problems) || [];
        fail(problems.length ? '' : (data.message || `${res.status}`), problems);
        return;
      }
      errorBox.hidden = true;
      statusBox.textContent = root.dataset.msgSaved;
      statusBox.hidden = false;
      // Show the new list of tracks.
      window.location.reload();
    } catch (err) {
      fail(err.message);
    } finally {
      button.disabled = false;
    }
  });
}
