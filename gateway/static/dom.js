// DOM and formatting helpers. Elements are built with h() (never innerHTML), so text from the API
// (names, titles, notes) can never inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else if (key === 'width%' ) el.style.width = `${value}%`;
    else if (key === 'background') el.style.background = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export const fmt = {
  score(v) { return v === null || v === undefined ? '–' : Number(v).toFixed(2); },
  num(v, digits = 2) {
    if (v === null || v === undefined) return '–';
    const n = Number(v);
    return Number.isInteger(n) ? String(n) : n.toFixed(digits).replace(/\.?0+$/, '');
  },
  int(v) { return v === null || v === undefined ? '–' : Math.round(Number(v)).toLocaleString('en-US'); },
  pct(v, digits = 1) { return v === null || v === undefined ? '–' : `${(Number(v) * 100).toFixed(digits)}%`; },
  amount(v) {
    if (v === null || v === undefined) return '–';
    return Number(v).toLocaleString('en-US', { maximumFractionDigits: 0 });
  },
  days(v) { return v === null || v === undefined ? '–' : `${Number(v).toFixed(1)} d`; },
  when(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ');
  },
  label(name) { return String(name || '').replace(/_/g, ' '); },
};

export function today() {
  return new Date().toISOString().slice(0, 10);
}

export function empty(message) {
  return h('div', { class: 'empty', 'data-testid': 'empty' }, message);
}

export function errorBox(error) {
  const status = error && error.status ? ` (${error.status})` : '';
  return h('div', { class: 'error', role: 'alert', 'data-testid': 'view-error' },
    `${(error && error.message) || String(error)}${status}`);
}

export function loading() {
  return h('div', { class: 'loading' }, 'Loading…');
}

export function tile(label, value, sub = null, attrs = {}) {
  return h('div', { class: 'tile', ...attrs }, h('div', { class: 'label' }, label),
    h('div', { class: 'value', 'data-testid': attrs['data-testid'] ? `${attrs['data-testid']}-value` : null }, value),
    sub ? h('div', { class: 'sub' }, sub) : null);
}

export function toast(message) {
  const el = h('div', { class: 'toast', role: 'status' }, message);
  document.body.append(el);
  setTimeout(() => el.remove(), 5000);
}
