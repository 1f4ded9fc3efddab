// The dashboard's shell: sign-in, hash routing between the views, live updates from the stream.
import { api, ApiError, forgetReps, session } from './api.js';
import { clear, errorBox, loading, toast } from './dom.js';
import { openStream } from './stream.js';
import { accountsView } from './views/accounts.js';
import { contentView } from './views/content.js';
import { importsView } from './views/imports.js';
import { leaderboardView } from './views/leaderboard.js';
import { outcomesView } from './views/outcomes.js';
import { repView } from './views/rep.js';

const VIEWS = {
  leaderboard: leaderboardView,
  reps: repView,
  accounts: accountsView,
  outcomes: outcomesView,
  content: contentView,
  imports: importsView,
};
// Which stream events make which view stale.
const STALE_ON = {
  leaderboard: ['rapport.scoring.score.updated'],
  reps: ['rapport.scoring.score.updated', 'rapport.scoring.alert.raised'],
  accounts: ['rapport.scoring.recommendation.issued'],
  outcomes: ['rapport.scoring.score.updated'],
  content: ['rapport.scoring.score.updated'],
  imports: [], // it polls its active jobs itself
};
const STREAM_TYPES = ['rapport.scoring.score.updated', 'rapport.scoring.alert.raised',
  'rapport.scoring.recommendation.issued'];

const $ = (id) => document.getElementById(id);
let stream = null;
let current = { name: null, params: null, refresh: null };
let updates = 0;
let refreshTimer = null;
let rendering = 0;

function route() {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path, search = ''] = hash.split('?');
  const [name, ...rest] = path.split('/').filter(Boolean);
  const params = Object.fromEntries(new URLSearchParams(search));
  if (rest.length) params.id = decodeURIComponent(rest.join('/'));
  return { name: VIEWS[name] ? name : 'leaderboard', params };
}

export function navigate(name, params = {}) {
  const { id, ...query } = params;
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v != null)).toString();
  window.location.hash = `#/${name}${id ? `/${encodeURIComponent(id)}` : ''}${search ? `?${search}` : ''}`;
}

async function render({ quiet = false } = {}) {
  const { name, params } = route();
  const main = $('view');
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('active', link.dataset.view === name);
  }
  const ticket = ++rendering;
  const target = document.createElement('div');
  target.dataset.view = name;
  if (!quiet) clear(main).append(loading());
  try {
    await VIEWS[name](target, params, { navigate, refresh: () => render({ quiet: true }) });
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 401) return;
    target.append(errorBox(exc));
  }
  if (ticket !== rendering) return; // a newer render started meanwhile
  const scroll = window.scrollY;
  clear(main).append(target);
  if (quiet) window.scrollTo(0, scroll);
  main.dataset.ready = name;
  current = { name, params };
}

function setLive(state, text) {
  const live = $('live');
  live.dataset.state = state;
  $('live-text').textContent = state === 'live' && updates ? `live · ${updates} updates` : text;
}

// The last stream events, for a look from the browser console (and the browser tests).
window.rapportStream = { recent: [] };

function onStreamEvent(event) {
  updates += 1;
  const body = (event.data && event.data.data) || {};
  window.rapportStream.recent = [{ type: event.type, id: event.id, rep_id: body.rep_id, date: body.date,
    total: body.total }, ...window.rapportStream.recent].slice(0, 50);
  const live = $('live');
  live.dataset.updates = String(updates);
  live.dataset.lastType = event.type || '';
  if (live.dataset.state === 'live') $('live-text').textContent = `live · ${updates} updates`;
  if (event.type === 'rapport.scoring.alert.raised' && event.data && event.data.data) {
    const d = event.data.data;
    toast(`Alert: ${String(d.kind).replace(/_/g, ' ')} for ${d.rep_id}`);
  }
  const stale = STALE_ON[current.name] || [];
  if ((stale.includes(event.type) || event.type === 'gap') && !refreshTimer) {
    refreshTimer = setTimeout(() => { refreshTimer = null; forgetReps(); render({ quiet: true }); }, 2500);
  }
}

function startStream() {
  if (stream) stream.close();
  stream = openStream({ types: STREAM_TYPES, key: session.key, onEvent: onStreamEvent,
    onStatus: (state, text) => setLive(state, state === 'unavailable' ? `live updates unavailable (${text}), retrying`
      : text) });
}

function showSignin(message = '') {
  if (stream) { stream.close(); stream = null; }
  session.key = '';
  forgetReps();
  $('shell').hidden = true;
  $('signin').hidden = false;
  const box = $('signin-error');
  box.textContent = message;
  box.hidden = !message;
  $('api-key').focus();
}

async function whoami() {
  try {
    const me = await api('/v1/me');
    $('whoami').textContent = `${me.tenant_id} · ${me.role}${me.rep_id ? ` (${me.rep_id})` : ''}`;
    if (me.role === 'rep' && me.rep_id && !window.location.hash) navigate('reps', { id: me.rep_id });
  } catch {
    $('whoami').textContent = '';
  }
}

function showShell() {
  $('signin').hidden = true;
  $('shell').hidden = false;
  updates = 0;
  startStream();
  whoami().finally(() => render());
}

async function signIn(event) {
  event.preventDefault();
  const key = $('api-key').value.trim();
  const button = $('signin-button');
  button.disabled = true;
  $('signin-error').hidden = true;
  try {
    // GET /v1/me proves the key (any role); a gateway without it: any read does, and a 403 there
    // means a valid key whose role cannot read that (the views say so).
    try {
      await api('/v1/me', {}, { key });
    } catch (exc) {
      if (!(exc instanceof ApiError && exc.status === 404)) throw exc;
      await api('/v1/leaderboard', { limit: 1 }, { key });
    }
    session.key = key;
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 403) {
      session.key = key;
    } else {
      const why = exc instanceof ApiError && exc.status === 401
        ? `That API key was not accepted: ${exc.message}.` : `Sign-in failed: ${exc.message}`;
      showSignin(why);
      button.disabled = false;
      return;
    }
  }
  button.disabled = false;
  $('api-key').value = '';
  showShell();
}

window.addEventListener('rapport:unauthorized', (event) => {
  showSignin(`Your API key is no longer accepted (${event.detail.message}). Sign in again.`);
});
window.addEventListener('hashchange', () => { if (session.key) render(); });
window.addEventListener('DOMContentLoaded', () => {
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', () => showSignin(''));
  if (session.key) showShell(); else showSignin('');
});
