// The API client: the key lives in sessionStorage and goes out as `Authorization: Bearer <key>`.
// Errors come back in the API's one shape {"error": {"code", "message", "details"}} and are thrown
// as ApiError; a 401 anywhere signs the user out (see app.js).

const KEY = 'rapport.apiKey';

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const session = {
  get key() { return sessionStorage.getItem(KEY) || ''; },
  set key(value) { if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY); },
};

export function query(params = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function api(path, params = {}, { key = session.key } = {}) {
  let response;
  try {
    response = await fetch(path + query(params), {
      headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
      cache: 'no-store',
    });
  } catch (exc) {
    throw new ApiError(0, 'network_error', `Cannot reach the gateway: ${exc.message || exc}`);
  }
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const error = (body && body.error) || {};
    const err = new ApiError(response.status, error.code || 'http_error',
      error.message || `${response.status} ${response.statusText}`, error.details || []);
    if (response.status === 401 && key === session.key) {
      window.dispatchEvent(new CustomEvent('rapport:unauthorized', { detail: err }));
    }
    throw err;
  }
  return body;
}

// Every page of a paginated list ({items, total, limit, offset}), up to `max` items.
export async function all(path, params = {}, max = 5000) {
  const items = [];
  let offset = 0;
  for (;;) {
    const page = await api(path, { ...params, limit: 500, offset });
    items.push(...page.items);
    offset += page.items.length;
    if (!page.items.length || offset >= page.total || items.length >= max) return items;
  }
}

// Rep names and teams, from the leaderboard (the directory's names, where it has them).
let repCache = null;
export async function reps(refresh = false) {
  if (!repCache || refresh) {
    repCache = api('/v1/leaderboard', { limit: 1000 }).then((board) => {
      const map = new Map();
      for (const r of board.reps) map.set(r.rep_id, { name: r.name || r.rep_id, team_id: r.team_id });
      return map;
    }).catch((err) => { repCache = null; throw err; });
  }
  return repCache;
}

// Team names from the directory (admin keys only; everyone else sees team ids).
let teamCache = null;
export async function teams() {
  if (!teamCache) {
    teamCache = api('/v1/admin/teams', { limit: 500 })
      .then((page) => new Map(page.items.map((t) => [t.team_id, t.name])))
      .catch(() => new Map());
  }
  return teamCache;
}

export function forgetReps() { repCache = null; teamCache = null; }
