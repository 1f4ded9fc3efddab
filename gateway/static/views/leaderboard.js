// Leaderboard: reps ranked by total score for a day, filtered by team; stacked pillar bars.
import { api, teams as teamNames } from '../api.js';
import { COLORS, hbars, legend } from '../charts.js';
import { empty, fmt, h, tile, today } from '../dom.js';
import { csvButton } from '../download.js';

export const PILLARS = ['insight', 'connect', 'engage', 'brand'];

export async function leaderboardView(root, params, { navigate }) {
  const day = params.date || today();
  const team = params.team || '';
  const [board, everyone, names] = await Promise.all([
    api('/v1/leaderboard', { team_id: team || null, date: day, limit: 100 }),
    api('/v1/leaderboard', { date: day, limit: 1000 }),
    teamNames(),
  ]);
  const teamName = (id) => names.get(id) || id;
  const teams = [...new Set(everyone.reps.map((r) => r.team_id).filter(Boolean))].sort();
  const teamSelect = h('select', { id: 'team-filter', 'data-testid': 'team-filter' },
    h('option', { value: '' }, 'All teams'),
    teams.map((t) => h('option', { value: t, selected: t === team }, teamName(t))));
  const dateInput = h('input', { id: 'date-filter', type: 'date', value: day, max: today(),
    'data-testid': 'date-filter' });
  const apply = () => navigate('leaderboard', { team: teamSelect.value, date: dateInput.value });
  teamSelect.addEventListener('change', apply);
  dateInput.addEventListener('change', apply);

  root.append(h('div', { class: 'view-head' },
    h('div', {}, h('h1', {}, 'Leaderboard'),
      h('div', { class: 'muted' }, `Social selling score on ${board.date}, over the ${board.window_days} days ending that day`)),
    h('div', { class: 'filters' }, h('label', {}, 'Team', teamSelect), h('label', {}, 'Day', dateInput),
      csvButton('/v1/leaderboard', { team_id: team || null, date: day }, `leaderboard-${day}.csv`, 'csv-leaderboard'))));

  const reps = board.reps;
  if (!reps.length) {
    root.append(empty(team ? `No rep of team ${teamName(team)} has a score on ${board.date}.`
      : `No scores on ${board.date} yet. Post events (or load the demo data) and they appear here.`));
    return;
  }
  const mean = reps.reduce((a, r) => a + r.total, 0) / reps.length;
  const top = reps[0];
  root.append(h('div', { class: 'tiles' },
    tile('Reps scored', String(board.total_reps), team ? teamName(team) : 'all teams', { 'data-testid': 'reps-scored' }),
    tile('Average total', fmt.score(mean), 'of 100'),
    tile('Top rep', top.name || top.rep_id, `${fmt.score(top.total)} points`, { 'data-testid': 'top-rep' })));

  const rows = reps.map((r) => ({
    label: r.name || r.rep_id,
    href: `#/reps/${encodeURIComponent(r.rep_id)}?date=${board.date}`,
    total: r.total,
    segments: PILLARS.map((p) => ({ name: p, value: r.pillars[p], color: COLORS[p] })),
  }));
  root.append(h('div', { class: 'panel' }, h('h2', {}, 'Total score by pillar'),
    legend(PILLARS.map((p) => [p, COLORS[p]])),
    hbars(rows, { max: 100, format: (v) => fmt.num(v, 1), testid: 'leaderboard-chart' })));

  const table = h('table', { 'data-testid': 'leaderboard-table' },
    h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Rep'), h('th', {}, 'Team'),
      h('th', { class: 'num' }, 'Total'), PILLARS.map((p) => h('th', { class: 'num' }, p)))),
    h('tbody', {}, reps.map((r) => h('tr', { class: 'clickable', 'data-rep': r.rep_id,
      onclick: () => navigate('reps', { id: r.rep_id, date: board.date }) },
    h('td', { class: 'num' }, String(r.rank)),
    h('td', { class: 'rep-name' }, h('a', { href: `#/reps/${encodeURIComponent(r.rep_id)}?date=${board.date}` },
      r.name || r.rep_id)),
    h('td', { class: 'team' }, r.team_id ? teamName(r.team_id) : '–'),
    h('td', { class: 'num total' }, h('strong', {}, fmt.score(r.total))),
    PILLARS.map((p) => h('td', { class: `num pillar-${p}` }, fmt.score(r.pillars[p])))))));
  root.append(h('div', { class: 'panel' }, h('h2', {}, 'Ranking'), table,
    board.total_reps > reps.length ? h('div', { class: 'muted small' }, `Top ${reps.length} of ${board.total_reps}`)
      : null));
}
