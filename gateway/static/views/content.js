// Content ranked by engagement from target stakeholders (not vanity reach), and one item's detail.
import { all, api, reps } from '../api.js';
import { COLORS, hbars, legend } from '../charts.js';
import { empty, fmt, h } from '../dom.js';
import { csvButton } from '../download.js';

const KINDS = ['view', 'like', 'comment', 'share', 'click', 'download'];

async function detail(contentId, names) {
  const item = await api(`/v1/content/${encodeURIComponent(contentId)}`);
  const e = item.engagement;
  return h('div', { class: 'panel', 'data-testid': 'content-detail' },
    h('h2', {}, item.title || item.content_id),
    h('div', { class: 'muted' }, `${item.kind || '?'} · owner ${item.owner === 'company' ? 'company'
      : (names.get(item.owner) || {}).name || item.owner} · ${item.shares.total} shares by ${item.shares.reps} reps`),
    h('div', { class: 'grid2' },
      h('div', {}, h('h3', {}, 'Engaged stakeholders'), item.engaged.stakeholders.length ? h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Role'), h('th', {}, 'Account'),
          h('th', { class: 'num' }, 'Score'))),
        h('tbody', {}, item.engaged.stakeholders.map((st) => h('tr', {}, h('td', {}, st.name || '–'),
          h('td', {}, fmt.label(st.role)), h('td', {}, st.account_name || st.account_id),
          h('td', { class: 'num' }, fmt.num(st.score)))))) : empty('No known stakeholder engaged.'),
      h('div', { class: 'muted small' }, `${e.unknown_people} other people engaged (counted, not listed).`)),
      h('div', {}, h('h3', {}, 'By account'), e.by_account.length ? h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Account'), h('th', { class: 'num' }, 'Stakeholders'),
          h('th', { class: 'num' }, 'Score'))),
        h('tbody', {}, e.by_account.map((a) => h('tr', {}, h('td', {}, a.name || a.account_id),
          h('td', { class: 'num' }, fmt.int(a.stakeholders)), h('td', { class: 'num' }, fmt.num(a.score))))))
        : empty('No account engaged.'))));
}

export async function contentView(root, params, { navigate }) {
  const [items, names] = await Promise.all([
    all('/v1/content', { kind: params.kind, owner: params.owner }, 1000),
    reps().catch(() => new Map()),
  ]);
  const kind = h('select', { 'data-testid': 'content-kind' }, h('option', { value: '' }, 'all kinds'),
    ['post', 'article', 'video', 'document', 'asset'].map((k) => h('option', { value: k, selected: k === params.kind }, k)));
  const owner = h('select', { 'data-testid': 'content-owner' }, h('option', { value: '' }, 'anyone'),
    h('option', { value: 'company', selected: params.owner === 'company' }, 'company'),
    [...names.entries()].map(([id, r]) => h('option', { value: id, selected: id === params.owner }, r.name)));
  const go = () => navigate('content', { kind: kind.value, owner: owner.value });
  kind.addEventListener('change', go);
  owner.addEventListener('change', go);
  root.append(h('div', { class: 'view-head' },
    h('div', {}, h('h1', {}, 'Content ranking'), h('div', { class: 'muted' }, 'Ranked by engagement from target '
      + 'stakeholders: a decision maker\'s comment outweighs hundreds of strangers\' views (docs/content.md).')),
    h('div', { class: 'filters' }, h('label', {}, 'Kind', kind), h('label', {}, 'Owner', owner),
      csvButton('/v1/content', { kind: params.kind, owner: params.owner }, 'content.csv', 'csv-content'))));
  if (!items.length) {
    root.append(empty('No content yet. Post content.* events (published items, shares, engagement).'));
    return;
  }
  const top = items.slice(0, 12);
  root.append(h('div', { class: 'panel' }, h('h2', {}, `Top ${top.length} by score`),
    legend([['from stakeholders', COLORS.stakeholders], ['from others', COLORS.others]]),
    hbars(top.map((it) => ({ label: it.title || it.content_id, total: it.engagement.score,
      href: `#/content/${encodeURIComponent(it.content_id)}`,
      segments: [{ name: 'stakeholders', value: it.engagement.stakeholder_score, color: COLORS.stakeholders },
        { name: 'others', value: it.engagement.other_score, color: COLORS.others }] })),
    { format: (v) => fmt.num(v, 1), labelWidth: 250, labelChars: 34, testid: 'content-chart' })));
  const shown = params.all === '1' ? items : items.slice(0, 25);
  const more = items.length > shown.length ? h('button', { class: 'secondary more', type: 'button',
    onclick: () => navigate('content', { ...params, all: '1' }) }, `Show all ${items.length} items`) : null;
  root.append(h('div', { class: 'panel' }, h('h2', {}, `Ranking (${items.length} items with activity)`),
    h('table', { 'data-testid': 'content-table' },
    h('thead', {}, h('tr', {}, h('th', { class: 'num' }, '#'), h('th', {}, 'Title'), h('th', {}, 'Owner'),
      h('th', { class: 'num' }, 'Score'), h('th', { class: 'num' }, 'Stakeholders'), h('th', { class: 'num' }, 'People'),
      h('th', { class: 'num' }, 'Shares'), KINDS.map((k) => h('th', { class: 'num' }, k)))),
    h('tbody', {}, shown.map((it) => h('tr', { class: `clickable${it.content_id === params.id ? ' selected' : ''}`,
      'data-content': it.content_id, onclick: () => navigate('content', { ...params, id: it.content_id }) },
    h('td', { class: 'num' }, String(it.rank)),
    h('td', {}, it.title || it.content_id, ' ', h('span', { class: 'badge' }, it.kind || '?')),
    h('td', {}, it.owner === 'company' ? 'company' : (names.get(it.owner) || {}).name || it.owner || '–'),
    h('td', { class: 'num score' }, fmt.num(it.engagement.score)),
    h('td', { class: 'num' }, fmt.int(it.engagement.stakeholders)),
    h('td', { class: 'num' }, fmt.int(it.engagement.people)), h('td', { class: 'num' }, fmt.int(it.shares)),
    KINDS.map((k) => h('td', { class: 'num' }, fmt.int(it.engagement.by_kind[k] || 0))))))), more));
  if (params.id) {
    const panel = await detail(params.id, names);
    root.firstChild.after(panel); // right below the heading
  }
}
