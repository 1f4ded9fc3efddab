// Charts drawn as SVG in plain JavaScript: horizontal (stacked) bars, grouped columns, lines.
// Every mark carries a <title> for its tooltip and a class the browser tests count.
import { h, s } from './dom.js';

export const COLORS = {
  insight: '#3b6fe0', connect: '#15a07a', engage: '#f0a020', brand: '#a24fd0',
  total: '#1d2330', stakeholders: '#2f5bea', others: '#b8c2d8', influenced: '#15a07a', other: '#98a2b3',
  won: '#2f5bea', danger: '#c2362b',
};

export function legend(items) {
  return h('div', { class: 'legend' },
    items.map(([name, color]) => h('span', {}, h('span', { class: 'swatch', background: color }), name)));
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

// rows: [{label, href?, segments: [{name, value, color}], total?}]; one <g class="bar"> per row.
export function hbars(rows, { max = null, width = 760, rowHeight = 26, labelWidth = 170, format = String,
  testid = 'bars', labelChars = 24 } = {}) {
  const totals = rows.map((r) => r.total ?? r.segments.reduce((a, x) => a + Math.max(0, x.value), 0));
  const top = max ?? niceMax(Math.max(0, ...totals));
  const plot = width - labelWidth - 70;
  const height = rows.length * rowHeight + 24;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'data-testid': testid,
    'aria-label': `bar chart of ${rows.length} rows` });
  for (let t = 0; t <= 4; t += 1) {
    const x = labelWidth + (plot * t) / 4;
    svg.append(s('line', { class: 'grid', x1: x, x2: x, y1: 0, y2: rows.length * rowHeight }),
      s('text', { x, y: rows.length * rowHeight + 16, 'text-anchor': 'middle' }, format((top * t) / 4)));
  }
  rows.forEach((row, i) => {
    const y = i * rowHeight;
    const g = s('g', { class: 'bar', 'data-label': row.label, 'data-value': totals[i] });
    const label = s('text', { class: 'bar-label', x: labelWidth - 8, y: y + rowHeight / 2 + 4, 'text-anchor': 'end' },
      row.label.length > labelChars ? `${row.label.slice(0, labelChars - 1)}…` : row.label);
    g.append(row.href ? s('a', { href: row.href }, label) : label);
    let x = labelWidth;
    for (const seg of row.segments) {
      const w = Math.max(0, (plot * Math.max(0, seg.value)) / top);
      g.append(s('rect', { class: 'bar-seg', x, y: y + 4, width: w, height: rowHeight - 8, rx: 2, fill: seg.color },
        s('title', {}, `${row.label} · ${seg.name}: ${format(seg.value)}`)));
      x += w;
    }
    g.append(s('text', { x: x + 6, y: y + rowHeight / 2 + 4 }, format(totals[i])));
    svg.append(g);
  });
  return svg;
}

// groups: [{label, values: [{name, value, color}]}]; one <g class="column-group"> per group.
export function columns(groups, { max = null, width = 760, height = 240, format = String, testid = 'columns' } = {}) {
  const values = groups.flatMap((g) => g.values.map((v) => v.value ?? 0));
  const top = max ?? niceMax(Math.max(0, ...values));
  const left = 48;
  const bottom = groups.length > 6 ? 70 : 40;
  const plotH = height - bottom - 10;
  const plotW = width - left - 10;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'data-testid': testid,
    'aria-label': `column chart of ${groups.length} groups` });
  for (let t = 0; t <= 4; t += 1) {
    const y = 10 + plotH - (plotH * t) / 4;
    svg.append(s('line', { class: 'grid', x1: left, x2: width - 10, y1: y, y2: y }),
      s('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, format((top * t) / 4)));
  }
  const slot = plotW / Math.max(1, groups.length);
  groups.forEach((group, i) => {
    const g = s('g', { class: 'column-group', 'data-label': group.label });
    const n = group.values.length;
    const barW = Math.min(28, (slot * 0.7) / n);
    const start = left + i * slot + (slot - barW * n) / 2;
    group.values.forEach((v, k) => {
      const value = v.value ?? 0;
      const barH = (plotH * Math.max(0, value)) / top;
      g.append(s('rect', { class: 'column', x: start + k * barW, y: 10 + plotH - barH, width: barW - 2,
        height: barH, fill: v.color, rx: 2 }, s('title', {}, `${group.label} · ${v.name}: ${v.value === null
        ? 'n/a' : format(value)}`)));
    });
    const label = group.label.length > 16 ? `${group.label.slice(0, 15)}…` : group.label;
    const x = left + i * slot + slot / 2;
    const y = height - bottom + 14;
    g.append(groups.length > 6
      ? s('text', { x, y, 'text-anchor': 'end', transform: `rotate(-30 ${x} ${y})` }, label)
      : s('text', { x, y: y + 4, 'text-anchor': 'middle' }, label));
    svg.append(g);
  });
  svg.append(s('line', { class: 'axis', x1: left, x2: width - 10, y1: 10 + plotH, y2: 10 + plotH }));
  return svg;
}

// series: [{name, color, points: [{x: 'YYYY-MM-DD', y}], main?}]; the main series gets <circle class="point">s.
export function lines(series, { max = null, width = 760, height = 260, format = String, testid = 'lines' } = {}) {
  const left = 40;
  const bottom = 28;
  const plotW = width - left - 12;
  const plotH = height - bottom - 10;
  const n = Math.max(1, ...series.map((x) => x.points.length));
  const top = max ?? niceMax(Math.max(0, ...series.flatMap((x) => x.points.map((p) => p.y))));
  const X = (i) => left + (n === 1 ? plotW / 2 : (plotW * i) / (n - 1));
  const Y = (v) => 10 + plotH - (plotH * Math.max(0, v)) / top;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'data-testid': testid,
    'aria-label': `line chart of ${n} days` });
  for (let t = 0; t <= 4; t += 1) {
    const y = Y((top * t) / 4);
    svg.append(s('line', { class: 'grid', x1: left, x2: width - 12, y1: y, y2: y }),
      s('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, format((top * t) / 4)));
  }
  const dates = (series[0] || { points: [] }).points.map((p) => p.x);
  const ticks = Math.min(6, dates.length);
  for (let t = 0; t < ticks; t += 1) {
    const i = ticks === 1 ? 0 : Math.round(((dates.length - 1) * t) / (ticks - 1));
    svg.append(s('text', { x: X(i), y: height - 8, 'text-anchor': 'middle' }, dates[i].slice(5)));
  }
  svg.append(s('line', { class: 'axis', x1: left, x2: width - 12, y1: 10 + plotH, y2: 10 + plotH }));
  for (const line of series) {
    if (!line.points.length) continue;
    const d = line.points.map((p, i) => `${i ? 'L' : 'M'}${X(i).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    svg.append(s('path', { class: `line line-${line.name}`, d, fill: 'none', stroke: line.color,
      'stroke-width': line.main ? 2.5 : 1.4, 'stroke-linejoin': 'round', opacity: line.main ? 1 : 0.8 }));
    if (line.main) {
      const g = s('g', { class: 'points' });
      line.points.forEach((p, i) => g.append(s('circle', { class: 'point', cx: X(i), cy: Y(p.y), r: 2.6,
        fill: line.color, 'data-date': p.x, 'data-value': p.y }, s('title', {}, `${p.x}: ${format(p.y)}`))));
      svg.append(g);
    }
  }
  return svg;
}
