// Outcomes by rep or team: win rate, median cycle, won amount and the socially influenced share,
// with charts, and the evidence (rank correlation of pillars with outcomes across reps).
import { api, reps, teams } from '../api.js';
import { COLORS, columns, hbars, legend } from '../charts.js';
import { empty, fmt, h, tile } from '../dom.js';
import { csvButton } from '../download.js';

function median(values) {
  const v = values.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

function evidenceTable(evidence) {
  if (!evidence || !evidence.n) return empty('No evidence yet: it needs reps with closed opportunities.');
  const measures = [...new Set(evidence.correlations.map((c) => c.measure))];
  const cell = (m, o) => {
    const c = evidence.correlations.find((x) => x.measure === m && x.outcome === o);
    const p = c && c.p_value !== null ? ` (p ${c.p_value < 0.01 ? '< 0.01' : `= ${c.p_value.toFixed(2)}`})` : '';
    return h('td', { class: 'num', 'data-measure': m, 'data-outcome': o },
      c && c.rho !== null ? `${c.rho.toFixed(2)}${p}` : '–');
  };
  return h('div', {}, h('table', { 'data-testid': 'evidence-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Measure'), h('th', { class: 'num nocase' }, 'ρ with win rate'),
      h('th', { class: 'num nocase' }, 'ρ with won amount'))),
    h('tbody', {}, measures.map((m) => h('tr', {}, h('td', {}, m), cell(m, 'win_rate'), cell(m, 'won_amount'))))),
  h('div', { class: 'muted small' }, `n = ${evidence.n} reps. ${evidence.note}`));
}

export async function outcomesView(root, params, { navigate }) {
  const groupBy = params.group_by === 'team' ? 'team' : 'rep';
  const [report, evidence, names, teamNames] = await Promise.all([
    api('/v1/reports/outcomes', { group_by: groupBy, from: params.from, to: params.to }),
    api('/v1/reports/evidence').catch(() => null),
    reps().catch(() => new Map()),
    teams(),
  ]);
  const by = h('select', { 'data-testid': 'group-by' }, h('option', { value: 'rep', selected: groupBy === 'rep' }, 'rep'),
    h('option', { value: 'team', selected: groupBy === 'team' }, 'team'));
  const from = h('input', { type: 'date', value: params.from || '' });
  const to = h('input', { type: 'date', value: params.to || '' });
  const go = () => navigate('outcomes', { group_by: by.value, from: from.value, to: to.value });
  for (const el of [by, from, to]) el.addEventListener('change', go);
  root.append(h('div', { class: 'view-head' },
    h('div', {}, h('h1', {}, 'Outcomes'), h('div', { class: 'muted' }, 'Leads, pipeline and revenue; an opportunity '
      + `is socially influenced when a social touch with its account's stakeholders came within `
      + `${report.attribution_window_days} days before it was created or advanced.`)),
    h('div', { class: 'filters' }, h('label', {}, 'Group by', by), h('label', {}, 'From', from), h('label', {}, 'To', to),
      csvButton('/v1/reports/outcomes', { group_by: groupBy, from: params.from, to: params.to },
        `outcomes-by-${groupBy}.csv`, 'csv-outcomes'))));

  const key = groupBy === 'rep' ? 'rep_id' : 'team_id';
  const groups = report.groups;
  if (!groups.length) {
    root.append(empty('No outcomes yet. Post outcome.* events (leads, opportunities, closes) to see them here.'));
    return;
  }
  const label = (g) => (groupBy === 'rep' ? (names.get(g.rep_id) || {}).name || g.rep_id
    : teamNames.get(g.team_id) || g.team_id);
  const sum = (f) => groups.reduce((a, g) => a + (g[f] || 0), 0);
  const won = sum('won');
  const lost = sum('lost');
  const opportunities = sum('opportunities');
  const influenced = groups.reduce((a, g) => a + Math.round((g.socially_influenced || 0) * g.opportunities), 0);
  root.append(h('div', { class: 'tiles' },
    tile('Win rate', won + lost ? fmt.pct(won / (won + lost)) : '–', `${won} won · ${lost} lost`,
      { 'data-testid': 'kpi-win-rate' }),
    tile('Median cycle', fmt.days(median(groups.map((g) => g.median_cycle_days))), `median of the ${groupBy}s' medians`,
      { 'data-testid': 'kpi-cycle' }),
    tile('Won amount', fmt.amount(sum('won_amount')), `${fmt.int(sum('leads'))} leads · ${fmt.int(opportunities)} `
      + 'opportunities', { 'data-testid': 'kpi-won-amount' }),
    tile('Socially influenced', opportunities ? fmt.pct(influenced / opportunities) : '–',
      `${influenced} of ${opportunities} opportunities`, { 'data-testid': 'kpi-influenced' })));

  const sorted = [...groups].sort((a, b) => b.won_amount - a.won_amount);
  root.append(h('div', { class: 'grid2' },
    h('div', { class: 'panel' }, h('h2', {}, `Won amount by ${groupBy}`),
      hbars(sorted.map((g) => ({ label: label(g), total: g.won_amount,
        href: groupBy === 'rep' ? `#/reps/${encodeURIComponent(g.rep_id)}` : null,
        segments: [{ name: 'won amount', value: g.won_amount, color: COLORS.won }] })),
      { format: (v) => fmt.amount(v), width: 560, labelWidth: 130, rowHeight: 24, testid: 'won-amount-chart' })),
    h('div', { class: 'panel' }, h('h2', {}, 'Win rate: socially influenced vs other'),
      legend([['all', COLORS.won], ['influenced', COLORS.influenced], ['other', COLORS.other]]),
      columns(sorted.map((g) => ({ label: label(g), values: [
        { name: 'win rate', value: g.win_rate, color: COLORS.won },
        { name: 'influenced', value: g.influenced_win_rate, color: COLORS.influenced },
        { name: 'other', value: g.other_win_rate, color: COLORS.other }] })),
      { max: 1, width: 560, height: 280, format: (v) => fmt.pct(v, 0), testid: 'win-rate-chart' }))));

  root.append(h('div', { class: 'panel' }, h('h2', {}, `By ${groupBy}`), h('table', { 'data-testid': 'outcomes-table' },
    h('thead', {}, h('tr', {}, h('th', {}, groupBy), ['Leads', 'Qualified', 'Opps', 'Won', 'Lost', 'Win rate',
      'Median cycle', 'Won amount', 'Influenced', 'Referrals'].map((c) => h('th', { class: 'num' }, c)))),
    h('tbody', {}, sorted.map((g) => h('tr', { 'data-group': g[key] },
      h('td', {}, label(g)), h('td', { class: 'num' }, fmt.int(g.leads)), h('td', { class: 'num' }, fmt.int(g.qualified)),
      h('td', { class: 'num' }, fmt.int(g.opportunities)), h('td', { class: 'num' }, fmt.int(g.won)),
      h('td', { class: 'num' }, fmt.int(g.lost)), h('td', { class: 'num win-rate' }, fmt.pct(g.win_rate)),
      h('td', { class: 'num' }, fmt.days(g.median_cycle_days)),
      h('td', { class: 'num won-amount' }, fmt.amount(g.won_amount)),
      h('td', { class: 'num' }, fmt.pct(g.socially_influenced)), h('td', { class: 'num' }, fmt.int(g.referrals))))))));
  root.append(h('div', { class: 'panel' }, h('h2', {}, 'Evidence: do pillar scores go with outcomes here?'),
    evidenceTable(evidence)));
}
