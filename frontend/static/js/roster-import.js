// Roster import screen: the file is sent to the API as it is (CSV or XLSX), first as a dry
// run to list every problem with its line, then for real with the valid rows.

const root = document.getElementById('roster-import');

if (root) {
  const file = document.getElementById('roster-file');
  const full = document.getElementById('roster-full');
  const check = document.getElementById('roster-check');
  const importValid = document.getElementById('roster-import-valid');
  const status = document.getElementById('roster-status');
  const problems = document.getElementById('roster-problems');
  const rows = document.getElementById('roster-problem-rows');
  // Rows whose account was not linked (another organisation's, or unverified): why, per row.
  const pending = document.getElementById('roster-pending');
  const pendingRows = document.getElementById('roster-pending-rows');

  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ''));
  // The page carries each column name and problem in its language (data-column-*,
  // data-reason-*); the API's English reason is the fallback for a code the page lacks.
  const dataKey = (prefix, name) =>
    prefix + String(name).split(/[-_]/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  const columnName = (p) => root.dataset[dataKey('column', p.column)] || p.column;
  const reasonText = (p) => {
    const template = p.code && root.dataset[dataKey('reason', p.code)];
    return template ? fill(template, { value: p.value, first: p.first_line }) : p.reason;
  };

  async function send(dryRun) {
    const chosen = file.files && file.files[0];
    if (!chosen) {
      file.focus();
      return null;
    }
    const query = new URLSearchParams({ dry_run: String(dryRun), full: String(full.checked) });
    const res = await fetch(`/api/v1/roster/imports?${query}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': chosen.type || 'text/csv', 'X-CSRF-Token': root.dataset.csrf },
      body: await chosen.arrayBuffer(),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      status.textContent = `${root.dataset.msgFailed} ${data.message || res.status}`;
      status.className = 'box box-error';
      status.hidden = false;
      return null;
    }
    return data;
  }

  function show(report, done) {
    rows.replaceChildren();
    for (const p of report.problems) {
      const tr = document.createElement('tr');
      for (const v of [p.line, columnName(p), reasonText(p)]) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      rows.append(tr);
    }
    problems.hidden = report.problems.length === 0;
    pendingRows.replaceChildren();
    for (const p of report.pending || []) {
      const tr = document.createElement('tr');
      const text = root.dataset[dataKey('pending', p.code)] || p.reason;
      for (const v of [p.line, text]) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      pendingRows.append(tr);
    }
    pending.hidden = !report.pending || report.pending.length === 0;
    status.className = 'box box-notice';
    status.textContent = done ? fill(root.dataset.msgDone, report) : fill(root.dataset.msgSummary, report);
    status.hidden = false;
    importValid.hidden = done || report.valid === 0;
  }

  check.addEventListener('click', async () => {
    check.disabled = true;
    try {
      const report = await send(true);
      if (report) show(report, false);
    } finally {
      check.disabled = false;
    }
  });
  importValid.addEventListener('click', async () => {
    importValid.disabled = true;
    try {
      const report = await send(false);
      if (report) show(report, true);
    } finally {
      importValid.disabled = false;
    }
  });
  file.addEventListener('change', () => { importValid.hidden = true; });
}
