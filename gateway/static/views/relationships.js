// The team relationship map (docs/relationships.md): on an account page, its stakeholders by role
// against the reps who know them, coloured by strength, uncovered roles highlighted and departed
// contacts listed; on a rep page, the introductions the rep could ask a colleague for.
import { api } from '../api.js';
import { empty, fmt, h } from '../dom.js';

const MAX_ACCOUNTS = 10; // a rep page reads the maps of this many of the rep's accounts

const personName = (st) => (st.person && (st.person.name || st.person.profile_url || st.person.email))
  || (st.person_key ? st.person_key : 'erased');

function cell(rel) {
  if (!rel) return h('td', { class: 'rel-none' }, '');
  if (rel.strength === null) return h('td', { class: 'rel-known', title: 'knows them (strength not shown to you)' }, 'knows');
  const title = rel.factors.map((f) => `${fmt.label(f.factor)} ${f.contribution >= 0 ? '+' : ''}${fmt.num(f.contribution, 4)}`)
    .join(' · ');
  return h('td', { class: `rel-strength${rel.strength < 0.45 ? ' faint' : ''}`, 'data-strength': rel.strength,
    background: `rgba(37, 99, 235, ${(0.12 + 0.88 * rel.strength).toFixed(2)})`, title },
  fmt.num(rel.strength, 2));
}

export async function relationshipPanel(accountId, repName) {
  const map = await api(`/v1/accounts/${encodeURIComponent(accountId)}/relationships`);
  const repIds = [...new Set([...map.stakeholders, ...map.departed].flatMap((st) => st.reps.map((r) => r.rep_id)))].sort();
  const row = (st) => h('tr', { 'data-stakeholder': st.stakeholder_id, class: st.reps.length ? null : 'uncovered' },
    h('td', {}, fmt.label(st.role)), h('td', {}, personName(st)),
    repIds.map((id) => cell(st.reps.find((r) => r.rep_id === id))));
  const uncoveredRoles = h('div', { class: 'roles', 'data-testid': 'roles-uncovered' },
    'Roles nobody reaches: ', map.roles_uncovered.length
      ? map.roles_uncovered.map((r) => h('span', { class: 'badge uncovered-role' }, fmt.label(r)))
      : h('span', { class: 'muted' }, 'none'));
  const departed = map.departed.length ? h('ul', { 'data-testid': 'departed' }, map.departed.map((st) => h('li', {
    'data-stakeholder': st.stakeholder_id }, `${personName(st)} (${fmt.label(st.role)}) left ${fmt.when(st.departed_at)}`
    + ` · knew them: ${st.reps.map((r) => repName(r.rep_id)).join(', ') || 'nobody'}`)))
    : h('div', { class: 'muted', 'data-testid': 'departed' }, 'Nobody departed.');
  return h('div', { class: 'panel', 'data-testid': 'relationship-map' },
    h('h3', {}, `Who on the team knows them: ${map.coverage.known} of ${map.coverage.stakeholders} stakeholders `
      + `known (${fmt.pct(map.coverage.share, 0)})`),
    uncoveredRoles,
    map.stakeholders.length ? h('table', { class: 'relmap' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Role'), h('th', {}, 'Stakeholder'),
        repIds.map((id) => h('th', { 'data-rep': id }, repName(id))))),
      h('tbody', {}, map.stakeholders.map(row))) : empty('No active stakeholders.'),
    h('h3', {}, 'Departed'), departed,
    h('div', { class: 'muted small' }, `Strength 0–1 from connection, two-way conversations, meetings held and `
      + `engagement with the rep's content, halving every ${fmt.num(map.half_life_days, 0)} days without a touch.`));
}

export async function introductionsPanel(repId, network, repName) {
  const accounts = ((network && network.coverage) || []).slice(0, MAX_ACCOUNTS);
  const maps = await Promise.all(accounts.map((a) => api(`/v1/accounts/${encodeURIComponent(a.account_id)}/relationships`)
    .catch(() => null)));
  const asks = maps.filter(Boolean).flatMap((map) => map.stakeholders
    .filter((st) => st.reps.length && !st.reps.some((r) => r.rep_id === repId))
    .map((st) => ({ map, st, via: st.reps[0].rep_id })));
  return h('div', { class: 'panel', 'data-testid': 'introductions' }, h('h2', {}, 'Introductions you could ask for'),
    asks.length ? h('ul', {}, asks.map(({ map, st, via }) => h('li', { 'data-stakeholder': st.stakeholder_id,
      'data-via': via }, `Ask ${repName(via)} to introduce you to ${personName(st)} (${fmt.label(st.role)}) at `
      + `${map.name || map.account_id}`)))
      : empty('No colleague knows a stakeholder you do not know at your accounts.'));
}
