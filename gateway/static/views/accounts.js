// Accounts by contingency quadrant (customer status × buying-centre size) with the recommended
// approach of each quadrant; one account's buying centre, research, signals and relationship map below.
import { all, api, ApiError, reps } from '../api.js';
import { empty, fmt, h } from '../dom.js';
import { csvButton } from '../download.js';
import { relationshipPanel } from './relationships.js';

const GRID = [
  ['high', 'small', 'high_status_small_centre'], ['high', 'large', 'high_status_large_centre'],
  ['low', 'small', 'low_status_small_centre'], ['low', 'large', 'low_status_large_centre'],
];
const ROLES = ['decision_maker', 'economic_buyer', 'champion', 'influencer', 'user', 'gatekeeper', 'unknown'];

async function recommendation(accountId) {
  try {
    return await api(`/v1/accounts/${encodeURIComponent(accountId)}/recommendation`);
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 404) return null;
    throw exc;
  }
}

function accountItem(a, selected, navigate) {
  return h('li', { class: selected ? 'selected' : null, 'data-account': a.account_id,
    onclick: () => navigate('accounts', { id: a.account_id }) },
  h('span', {}, a.name, ' ', h('span', { class: `badge ${a.tier}` }, a.tier)),
  h('span', { class: 'muted small num' }, `${a.buying_centre.size} stakeholder${a.buying_centre.size === 1 ? '' : 's'}`,
    a.icp_fit === null || a.icp_fit === undefined ? '' : ` · fit ${fmt.pct(a.icp_fit, 0)}`));
}

async function detail(accountId) {
  const names = await reps().catch(() => new Map());
  const repName = (id) => (names.get(id) || {}).name || id;
  const [a, rec, map] = await Promise.all([api(`/v1/accounts/${encodeURIComponent(accountId)}`),
    recommendation(accountId), relationshipPanel(accountId, repName)]);
  const people = ROLES.flatMap((role) => (a.stakeholders[role] || []).map((st) => h('tr', {},
    h('td', {}, st.person ? st.person.name || st.person_key : h('em', { class: 'muted' }, 'erased')),
    h('td', {}, st.person && st.person.title ? st.person.title : '–'),
    h('td', {}, fmt.label(role)), h('td', {}, st.seniority || '–'))));
  return h('div', { class: 'panel', 'data-testid': 'account-detail' },
    h('h2', {}, a.name, ' ', h('span', { class: `badge ${a.tier}` }, a.tier)),
    h('div', { class: 'grid2' },
      h('div', {},
        h('dl', { class: 'kv' },
          h('dt', {}, 'Quadrant'), h('dd', { 'data-testid': 'detail-quadrant' }, fmt.label(a.quadrant)),
          h('dt', {}, 'Recommendation'), h('dd', { 'data-testid': 'detail-recommendation' },
            rec ? rec.recommendation : 'none yet'),
          h('dt', {}, 'Industry'), h('dd', {}, `${a.industry} · ${fmt.int(a.employees)} employees${a.region ? ` · ${a.region}` : ''}`),
          h('dt', {}, 'ICP fit'), h('dd', {}, a.icp_fit === null ? 'no ICP set' : fmt.pct(a.icp_fit, 0)),
          h('dt', {}, 'Buying centre'), h('dd', {}, `${a.buying_centre.size} active (${a.buying_centre.class}); roles `
            + `covered: ${a.buying_centre.roles_covered.map(fmt.label).join(', ') || 'none'}; missing: `
            + `${a.buying_centre.roles_missing.map(fmt.label).join(', ') || 'none'}`),
          h('dt', {}, 'Research'), h('dd', {}, `${a.research.notes} notes · ${a.research.stakeholder_profile_views} profile `
            + `views · followed by ${a.research.followers.map(repName).join(', ') || 'nobody'}`),
          h('dt', {}, 'Signals'), h('dd', {}, `${a.signals.captured} captured · ${a.signals.actioned} actioned · `
            + `${a.signals.open} open`))),
      h('div', {}, h('h3', {}, 'Stakeholders'), people.length ? h('table', { 'data-testid': 'stakeholders' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Title'), h('th', {}, 'Role'), h('th', {}, 'Seniority'))),
        h('tbody', {}, people)) : empty('No stakeholders mapped.'))),
    map);
}

export async function accountsView(root, params, { navigate }) {
  const accounts = await all('/v1/accounts', { sort: 'name' });
  root.append(h('div', { class: 'view-head' }, h('div', {}, h('h1', {}, 'Accounts by quadrant'),
    h('div', { class: 'muted' }, 'Customer status (tier) × buying-centre size (active stakeholders); the approach '
      + 'follows the quadrant (seeds 000 and 001).')),
    h('div', { class: 'filters' }, csvButton('/v1/accounts', { sort: 'name' }, 'accounts.csv', 'csv-accounts'))));
  if (!accounts.length) {
    root.append(empty('No accounts yet. Post insight.account.upserted events (or load the demo data).'));
    return;
  }
  const byQuadrant = Object.fromEntries(GRID.map(([, , q]) => [q, accounts.filter((a) => a.quadrant === q)]));
  const recs = Object.fromEntries(await Promise.all(GRID.map(async ([, , q]) => [q,
    byQuadrant[q].length ? await recommendation(byQuadrant[q][0].account_id) : null])));
  const cell = ([status, size, q]) => h('div', { class: `quadrant q-${q}`, 'data-quadrant': q },
    h('h3', {}, `${status} status · ${size} centre`, h('span', { class: 'muted small count' },
      `${byQuadrant[q].length} accounts`)),
    h('div', { class: 'rec', 'data-testid': `rec-${q}` }, recs[q] ? recs[q].recommendation
      : byQuadrant[q].length ? 'Recommendation pending.' : 'No account in this quadrant.'),
    byQuadrant[q].length ? h('ul', {}, byQuadrant[q].map((a) => accountItem(a, a.account_id === params.id, navigate)))
      : null);
  root.append(h('div', { class: 'quadrants', 'data-testid': 'quadrants' },
    h('div'), h('div', { class: 'axis-label' }, 'small buying centre'), h('div', { class: 'axis-label' }, 'large buying centre'),
    h('div', { class: 'axis-label' }, 'high status'), cell(GRID[0]), cell(GRID[1]),
    h('div', { class: 'axis-label' }, 'low status'), cell(GRID[2]), cell(GRID[3])));
  const unplaced = accounts.filter((a) => !a.quadrant);
  if (unplaced.length) root.append(h('div', { class: 'notice' }, `${unplaced.length} accounts have no quadrant yet.`));
  if (params.id) {
    const panel = await detail(params.id);
    panel.classList.add('below');
    root.append(panel);
    requestAnimationFrame(() => panel.scrollIntoView({ block: 'start' }));
  }
}
