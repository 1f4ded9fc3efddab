// Rep page: total and pillars with every factor explained (raw, weight, contribution), the 90-day
// trend, dark-side alerts with their evidence, the rep's network in numbers, and the introductions
// the rep could ask colleagues for.
import { api, ApiError, reps, teams } from '../api.js';
import { COLORS, legend, lines } from '../charts.js';
import { empty, fmt, h, tile, today } from '../dom.js';
import { csvButton } from '../download.js';
import { PILLARS } from './leaderboard.js';
import { introductionsPanel } from './relationships.js';

// What each factor counts (docs/scoring.md); the API gives names, values and weights.
export const EXPLAIN = {
  research_actions: 'Profile views, account notes and company follows (weighted by the account\'s ICP fit)',
  buying_centre_mapped: 'Mean share of the 6 buying-centre roles mapped, over the accounts worked in the window',
  signals_followed_up: 'Signals acted on: 1 within 24 h of capture, 0.5 within 72 h, 0.25 later',
  target_connections: 'Accepted connections with known stakeholders',
  acceptance_rate: 'Accepted / requested connections, trusted as far as the volume behind it',
  buying_centre_coverage: 'Sum over accounts of the share of the buying centre connected (all time)',
  two_way_conversations: 'Conversations with messages in both directions',
  reply_rate: 'Conversations the rep wrote in that got a reply',
  meetings: 'Meetings booked (online → offline conversion)',
  content_shared: 'Own posts published and items shared',
  stakeholder_engagement: 'Engagement with the rep\'s content by known stakeholders (view 0.2, like/click 0.5, '
    + 'download 0.8, comment/share 1)',
  content_conversations: 'People who engaged with the rep\'s content and then conversed within 14 days',
  advocacy: 'Shares of company content (employee advocacy)',
  inbound_requests: 'Connection requests received',
  buyer_initiated_conversations: 'Conversations the other person started',
  content_reach: 'Engagement with the rep\'s content from anyone, weighted by kind',
  network_growth: 'Connections accepted',
  endorsements: 'Endorsements, and recommendations counted 3 each',
  penalty_connect_then_pitch: 'Dark side: a pitch within 24 h of the connection being accepted (−3 each, at most −12)',
  penalty_spam_pattern: 'Dark side: ≥ 30 outbound messages with a reply rate below 10 % (−5)',
  penalty_mass_message: 'Dark side: the same text to ≥ 5 people in one day (−2 each, at most −6)',
  penalty_intrusive_outreach: 'Dark side: ≥ 10 social touches, half of them on low-status / large-centre accounts (−4)',
};

function minusDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

async function optional(promise) {
  try { return await promise; } catch (exc) {
    if (exc instanceof ApiError && (exc.status === 404 || exc.status === 403)) return null;
    throw exc;
  }
}

function factorTable(score) {
  const body = h('tbody');
  for (const pillar of PILLARS) {
    const factors = score.factors.filter((f) => f.pillar === pillar);
    body.append(h('tr', { class: 'group', 'data-pillar': pillar },
      h('td', {}, h('span', { class: 'swatch', background: COLORS[pillar] }), pillar),
      h('td'), h('td'), h('td', { class: 'num', 'data-testid': `pillar-sum-${pillar}` }, fmt.score(score.pillars[pillar]))));
    for (const f of factors) {
      const penalty = f.name.startsWith('penalty_');
      const share = f.weight ? Math.min(1, Math.abs(f.contribution) / Math.abs(f.weight)) : 0;
      body.append(h('tr', { class: penalty ? 'penalty factor' : 'factor', 'data-factor': f.name },
        h('td', {}, h('div', {}, fmt.label(f.name)), h('div', { class: 'explain' }, EXPLAIN[f.name] || '')),
        h('td', { class: 'num' }, fmt.num(f.raw, 4)),
        h('td', { class: 'num' }, fmt.num(f.weight)),
        h('td', { class: 'num' }, h('div', { class: 'contrib' },
          h('div', { class: 'bar' }, h('span', { 'width%': (share * 100).toFixed(1),
            background: penalty ? COLORS.danger : COLORS[pillar] })),
          h('span', { class: 'contribution' }, fmt.score(f.contribution))))));
    }
  }
  return h('table', { 'data-testid': 'factor-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Factor'), h('th', { class: 'num' }, 'Raw'),
      h('th', { class: 'num' }, 'Weight'), h('th', { class: 'num' }, 'Contribution'))), body);
}

function alertList(alerts) {
  if (!alerts.length) return empty('No dark-side alerts: no connect-then-pitch, spam pattern, mass message or '
    + 'intrusive outreach.');
  return h('ul', { class: 'alerts', 'data-testid': 'alerts' }, alerts.map((a) => h('li', { 'data-kind': a.kind },
    h('div', {}, h('span', { class: 'badge alert' }, fmt.label(a.kind)), ' ', h('span', { class: 'muted small' },
      `on ${a.date}`)),
    h('dl', {}, Object.entries(a.evidence || {}).map(([k, v]) => [h('dt', {}, fmt.label(k)),
      h('dd', {}, Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v)
        : String(v))])))));
}

function networkPanel(net) {
  if (!net) return empty('No connections, messages or meetings recorded for this rep.');
  const c = net.connections;
  const v = net.conversations;
  const m = net.meetings;
  return h('div', { class: 'tiles' },
    tile('Connections', fmt.int(c.accepted), `${fmt.int(c.pending)} pending · acceptance ${fmt.pct(c.acceptance_rate)}`),
    tile('Conversations', fmt.int(v.count), `${fmt.int(v.two_way)} two-way · reply rate ${fmt.pct(v.reply_rate)}`),
    tile('Buyer-initiated', fmt.int(v.buyer_initiated), `median response ${fmt.num(v.median_response_hours, 1)} h`),
    tile('Meetings', fmt.int(m.booked), `${fmt.int(m.held)} held · ${fmt.pct(m.conversion_rate)} of conversations`),
    tile('Pitches', fmt.int(net.messages.pitches), `${fmt.int(net.messages.pitches_within_24h_of_acceptance)} within `
      + '24 h of acceptance'));
}

export async function repView(root, params, { navigate }) {
  const day = params.date || today();
  const [names, teamNames] = await Promise.all([optional(reps()), teams()]);
  let repId = params.id;
  if (!repId) {
    const first = names && [...names.keys()][0];
    if (!first) { root.append(h('h1', {}, 'Reps'), empty('No rep has a score yet.')); return; }
    repId = first;
  }
  const [score, history, alerts, network] = await Promise.all([
    api(`/v1/reps/${encodeURIComponent(repId)}/score`, { date: day }),
    api(`/v1/reps/${encodeURIComponent(repId)}/score/history`, { from: minusDays(day, 89), to: day }),
    api(`/v1/reps/${encodeURIComponent(repId)}/alerts`),
    optional(api(`/v1/reps/${encodeURIComponent(repId)}/network`)),
  ]);
  const who = (names && names.get(repId)) || { name: repId, team_id: null };
  const picker = h('select', { id: 'rep-picker', 'data-testid': 'rep-picker' },
    [...(names || new Map()).entries()].map(([id, r]) => h('option', { value: id, selected: id === repId }, r.name)));
  if (names && !names.has(repId)) picker.append(h('option', { value: repId, selected: true }, repId));
  const dateInput = h('input', { type: 'date', value: day, max: today(), 'data-testid': 'rep-date' });
  const go = () => navigate('reps', { id: picker.value, date: dateInput.value });
  picker.addEventListener('change', go);
  dateInput.addEventListener('change', go);

  root.append(h('div', { class: 'view-head' },
    h('div', {}, h('h1', { 'data-testid': 'rep-name' }, who.name),
      h('div', { class: 'muted' }, `${who.team_id ? `${teamNames.get(who.team_id) || who.team_id} · ` : ''}${repId} · score on ${score.date} over `
        + `${score.window_days} days · formula ${score.formula_version}`)),
    h('div', { class: 'filters' }, h('label', {}, 'Rep', picker), h('label', {}, 'Day', dateInput))));

  root.append(h('div', { class: 'tiles' },
    tile('Total', fmt.score(score.total), 'of 100', { 'data-testid': 'rep-total' }),
    PILLARS.map((p) => {
      const t = tile(p, fmt.score(score.pillars[p]), 'of 25', { class: `tile pillar pillar-${p}`,
        'data-testid': `pillar-${p}` });
      t.append(h('div', { class: 'meter' }, h('span', { 'width%': (score.pillars[p] / 25 * 100).toFixed(1),
        background: COLORS[p] })));
      return t;
    })));

  const series = history.series || [];
  const trend = series.length ? [
    lines([
      { name: 'total', color: COLORS.total, main: true, points: series.map((d) => ({ x: d.date, y: d.total })) },
      ...PILLARS.map((p) => ({ name: p, color: COLORS[p], points: series.map((d) => ({ x: d.date, y: d.pillars[p] })) })),
    ], { format: (v) => fmt.num(v, 1), testid: 'trend-chart' }),
  ] : [empty('No history.')];
  const path = `/v1/reps/${encodeURIComponent(repId)}`;
  root.append(h('div', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', {}, `Trend: ${history.from} to ${history.to}`),
    csvButton(`${path}/score/history`, { from: history.from, to: history.to }, `score-history-${repId}.csv`,
      'csv-history')),
    legend([['total', COLORS.total], ...PILLARS.map((p) => [p, COLORS[p]])]), trend));

  root.append(h('div', { class: 'grid2' },
    h('div', { class: 'panel' }, h('h2', {}, 'Why this score: every factor'), factorTable(score)),
    h('div', {},
      h('div', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', {}, `Dark-side alerts (${alerts.alerts.length})`),
        csvButton(`${path}/alerts`, {}, `alerts-${repId}.csv`, 'csv-alerts')), alertList(alerts.alerts)),
      h('div', { class: 'panel' }, h('h2', {}, 'Network (all time)'), networkPanel(network)))));
  const repName = (id) => ((names && names.get(id)) || {}).name || id;
  root.append(await introductionsPanel(repId, network, repName));
}
