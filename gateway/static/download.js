// "Download CSV" buttons: the same read as the view, asked with `Accept: text/csv` (the whole result,
// docs/integrations.md), saved as a file through a blob link. The key goes out as a bearer token, as
// with every read, so a plain link (which cannot carry it) would not do.
import { ApiError, query, session } from './api.js';
import { h } from './dom.js';

export async function downloadCsv(path, params, filename) {
  const response = await fetch(path + query(params), {
    headers: { Authorization: `Bearer ${session.key}`, Accept: 'text/csv' },
    cache: 'no-store',
  });
  if (!response.ok) {
    let error = {};
    try { error = (await response.json()).error || {}; } catch { error = {}; }
    throw new ApiError(response.status, error.code || 'http_error', error.message || `${response.status}`);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// A button that downloads `path` (with `params`) as `filename`; `testid` names it for the browser tests.
export function csvButton(path, params, filename, testid) {
  const button = h('button', { type: 'button', class: 'secondary csv', 'data-testid': testid }, 'Download CSV');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await downloadCsv(path, params, filename);
    } catch (err) {
      button.title = err.message;
      button.textContent = `Download failed (${err.status || 'network'})`;
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
