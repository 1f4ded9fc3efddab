// Import jobs: the tenant's jobs newest first with their progress, and one job's counts, per-file
// table and rejected rows by reason (docs/imports.md). Refreshes itself while a job is active.
import { api } from '../api.js';
import { empty, fmt, h, tile } from '../dom.js';

const STATUSES = ['queued', 'running', 'done', 'failed'];
const KINDS = ['linkedin', 'crm'];
const ACTIVE = ['queued', 'running'];
const POLL_MS = 2000;
let poll = null;

function meter(job) {
  const fraction = job.progress.fraction || 0;
  return h('div', { class: 'progress', title: `${fmt.int(job.progress.events_posted)} of `
      + `${fmt.int(job.progress.events_total)} events posted` },
  h('span', { class: 'num', 'data-testid': 'import-progress' }, fmt.pct(fraction, 0)),
  h('div', { class: 'meter' }, h('span', { 'width%': Math.round(fraction * 1000) / 10 })));
}

function statusBadge(job) {
  const phase = job.status === 'running' ? ` · ${job.phase}` : '';
  return h('span', { class: `badge status-${job.status}`, 'data-testid': 'import-status' }, `${job.status}${phase}`);
}

function filesTable(files) {
  const read = files.filter((f) => !f.skipped_reason || f.rows_read);
  const skipped = files.filter((f) => f.skipped_reason && !f.rows_read);
  return h('div', {},
    read.length ? h('table', { 'data-testid': 'import-files' },
      h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', {}, 'Kind'), h('th', { class: 'num' }, 'Rows'),
        h('th', { class: 'num' }, 'With events'), h('th', { class: 'num' }, 'Events'),
        h('th', { class: 'num' }, 'Rejected'), h('th', { class: 'num' }, 'Repeated'), h('th', {}, 'Encoding'))),
      h('tbody', {}, read.map((f) => h('tr', { 'data-file': f.file }, h('td', {}, f.file), h('td', {}, fmt.label(f.kind)),
        h('td', { class: 'num' }, fmt.int(f.rows_read)), h('td', { class: 'num' }, fmt.int(f.rows_with_events)),
        h('td', { class: 'num' }, fmt.int(f.events)), h('td', { class: 'num' }, fmt.int(f.rejected)),
        h('td', { class: 'num' }, fmt.int(f.repeated)), h('td', {}, f.encoding || '–')))))
      : empty('No file read yet.'),
    skipped.length ? h('div', { class: 'muted small', 'data-testid': 'import-skipped' },
      `Not read: ${skipped.map((f) => `${f.file} (${f.skipped_reason})`).join('; ')}`) : null);
}

function reasonsTable(reasons) {
  if (!reasons.length) return empty('No row was rejected.');
  return h('table', { 'data-testid': 'import-reasons' },
    h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Rows'), h('th', {}, 'Reason'), h('th', {}, 'File'))),
    h('tbody', {}, reasons.map((r) => h('tr', {}, h('td', { class: 'num' }, fmt.int(r.count)),
      h('td', {}, r.reason), h('td', {}, r.file || '(events refused by the platform)')))));
}

async function detail(jobId) {
  const job = await api(`/v1/imports/${encodeURIComponent(jobId)}`, { limit: 1 });
  return h('div', { class: 'panel', 'data-testid': 'import-detail', 'data-job': job.job_id },
    h('h2', {}, `Import ${job.job_id} `, statusBadge(job)),
    h('div', { class: 'muted' }, `${job.kind} · ${job.rep_id ? `rep ${job.rep_id} · ` : ''}started `
      + `${fmt.when(job.created_at)} · updated ${fmt.when(job.updated_at)}`),
    job.error ? h('div', { class: 'error', 'data-testid': 'import-error' }, job.error) : null,
    (job.warnings || []).map((w) => h('div', { class: 'notice' }, w)),
    h('div', { class: 'tiles' },
      tile('Rows read', fmt.int(job.rows_read), null, { 'data-testid': 'import-rows' }),
      tile('Events', fmt.int(job.events_produced), `${fmt.int(job.progress.events_posted)} posted`,
        { 'data-testid': 'import-events' }),
      tile('New', fmt.int(job.events_accepted), `${fmt.int(job.duplicates)} already known`,
        { 'data-testid': 'import-accepted' }),
      tile('Rejected rows', fmt.int(job.rejected), job.events_refused ? `${fmt.int(job.events_refused)} events refused`
        : null, { 'data-testid': 'import-rejected' })),
    meter(job),
    h('div', { class: 'grid2 import-tables' },
      h('div', {}, h('h3', {}, 'Files'), filesTable(job.files)),
      h('div', {}, h('h3', {}, 'Rejected rows by reason'), reasonsTable(job.rejection_reasons))));
}

export async function importsView(root, params, { navigate, refresh }) {
  clearTimeout(poll);
  const jobs = await api('/v1/imports', { status: params.status, kind: params.kind, limit: 100 });
  const status = h('select', { 'data-testid': 'imports-status' }, h('option', { value: '' }, 'any status'),
    STATUSES.map((s) => h('option', { value: s, selected: s === params.status }, s)));
  const kind = h('select', { 'data-testid': 'imports-kind' }, h('option', { value: '' }, 'any kind'),
    KINDS.map((k) => h('option', { value: k, selected: k === params.kind }, k)));
  const go = () => navigate('imports', { status: status.value, kind: kind.value });
  status.addEventListener('change', go);
  kind.addEventListener('change', go);
  root.append(h('div', { class: 'view-head' },
    h('div', {}, h('h1', {}, 'Imports'), h('div', { class: 'muted' }, 'LinkedIn exports and CRM files imported as '
      + 'jobs, newest first: every row is an event or a listed rejection. Start one with ',
    h('code', {}, 'rapport import'), '.')),
    h('div', { class: 'filters' }, h('label', {}, 'Status', status), h('label', {}, 'Kind', kind))));
  if (!jobs.items.length) {
    root.append(empty(params.status || params.kind ? 'No import job matches these filters.'
      : 'No import yet. Upload a LinkedIn export or a CRM CSV (POST /v1/imports/linkedin or /crm, or rapport import).'));
  } else {
    root.append(h('div', { class: 'panel' },
      h('h2', {}, `Jobs (${jobs.items.length < jobs.total ? `${jobs.items.length} newest of ` : ''}${jobs.total})`),
      h('table', { 'data-testid': 'imports-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Started'), h('th', {}, 'Kind'), h('th', {}, 'Status'), h('th', {}, 'Rep'),
          h('th', {}, 'Progress'), h('th', { class: 'num' }, 'Rows'), h('th', { class: 'num' }, 'New'),
          h('th', { class: 'num' }, 'Known'), h('th', { class: 'num' }, 'Rejected'), h('th', {}, 'Error'))),
        h('tbody', {}, jobs.items.map((job) => h('tr', {
          class: `clickable${job.job_id === params.id ? ' selected' : ''}`, 'data-job': job.job_id,
          onclick: () => navigate('imports', { ...params, id: job.job_id }) },
        h('td', {}, fmt.when(job.created_at)), h('td', {}, job.kind), h('td', {}, statusBadge(job)),
        h('td', {}, job.rep_id || '–'), h('td', {}, meter(job)),
        h('td', { class: 'num' }, fmt.int(job.rows_read)), h('td', { class: 'num' }, fmt.int(job.events_accepted)),
        h('td', { class: 'num' }, fmt.int(job.duplicates)), h('td', { class: 'num' }, fmt.int(job.rejected)),
        h('td', { class: 'small' }, job.error || '')))))));
  }
  if (params.id) root.firstChild.after(await detail(params.id));
  if (jobs.items.some((job) => ACTIVE.includes(job.status))) {
    const hash = window.location.hash;
    poll = setTimeout(() => { if (window.location.hash === hash) refresh(); }, POLL_MS);
  }
}
