// Ballast dashboard: polls GET /v1/dashboard and renders it into the static skeleton of index.html.
// All server data reaches the DOM as text nodes (el() below), never through innerHTML, so a route name or an error
// message cannot inject markup. The page runs under a strict CSP: no inline code, no eval.

const API = '/v1/dashboard';
const TOKEN_KEY = 'ballast.token';
const POLL_MS = 1000;
const RETRY_MS = 5000;
// A hung connection would otherwise stall the setTimeout chain forever, because the next poll is only scheduled
// once the current one has finished.
const REQUEST_TIMEOUT_MS = 10000;
const EXPIRY_WARN_DAYS = 14;
const DAY_MS = 86400000;

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------------------------
// Token storage. sessionStorage only (never localStorage or the URL): the token should die with the tab. Storage
// can be blocked by browser settings, in which case the token lives in memory until the page is reloaded.
let memoryToken = null;
const tokens = {
  get() { try { return sessionStorage.getItem(TOKEN_KEY); } catch { return memoryToken; } },
  set(value) { try { sessionStorage.setItem(TOKEN_KEY, value); } catch { memoryToken = value; } },
  clear() { try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing stored */ } memoryToken = null; },
};

// ---------------------------------------------------------------------------------------------------------------
// DOM helpers.

/** Creates an element; strings among the children become text nodes, null/false children are skipped. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child != null && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function setText(node, value) {
  if (node && node.textContent !== value) node.textContent = value;
}

/**
 * Makes the children of `parent` equal to `nodes`, reusing existing nodes wherever they match. Rebuilding the
 * tables every second with replaceChildren() would drop keyboard focus, text selection and the scroll position of
 * the table wrappers; patching in place keeps them. Rows carry data-key so they are matched by identity, not index.
 */
function sync(parent, nodes) {
  const byKey = new Map();
  for (const child of parent.children) if (child.dataset.key) byKey.set(child.dataset.key, child);
  let cursor = parent.firstChild;
  for (const node of nodes) {
    const key = node.nodeType === Node.ELEMENT_NODE ? node.dataset.key : undefined;
    let old = key ? byKey.get(key) : cursor;
    if (key) byKey.delete(key);
    if (!old || !sameKind(old, node)) {
      parent.insertBefore(node, cursor);
      continue;
    }
    if (old === cursor) cursor = cursor.nextSibling;
    else parent.insertBefore(old, cursor);
    patch(old, node);
  }
  for (let next; cursor; cursor = next) {
    next = cursor.nextSibling;
    cursor.remove(); // left over: no longer in the data
  }
}

function sameKind(a, b) {
  return a.nodeType === b.nodeType && a.nodeName === b.nodeName && a.dataset?.key === b.dataset?.key;
}

function patch(old, node) {
  if (old.nodeType !== Node.ELEMENT_NODE) {
    if (old.nodeValue !== node.nodeValue) old.nodeValue = node.nodeValue;
    return;
  }
  for (const { name } of [...old.attributes]) if (!node.hasAttribute(name)) old.removeAttribute(name);
  for (const { name, value } of node.attributes) if (old.getAttribute(name) !== value) old.setAttribute(name, value);
  sync(old, [...node.childNodes]);
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting. Every field may be null or missing, so each helper accepts anything.

const arr = (value) => (Array.isArray(value) ? value.filter((item) => item != null) : []);
const str = (value, fallback = '—') => (value == null || value === '' ? fallback : String(value));
const joined = (value, fallback = '—') => (arr(value).length ? arr(value).join(', ') : fallback);
const shortVersion = (version) => (version ? String(version).slice(0, 8) : '—');
const badge = (kind, text) => el('span', { class: `badge ${kind}` }, text);
const muted = (text) => el('span', { class: 'muted' }, text);

function parseTime(iso) {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

const localTime = (ms) => new Date(ms).toLocaleString();
const localDate = (ms) => new Date(ms).toLocaleDateString(undefined, { dateStyle: 'medium' });

function relative(ms, now) {
  const seconds = Math.round((now - ms) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 1) return 'just now';
  const [n, unit] = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.floor(abs / 60), 'min']
    : abs < DAY_MS / 1000 ? [Math.floor(abs / 3600), 'h'] : [Math.floor(abs / 86400), 'd'];
  return seconds > 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/** A <time> showing "2 s ago" with the local timestamp as tooltip, or a dash for a missing time. */
function ago(iso, now) {
  const ms = parseTime(iso);
  // Past events stamped slightly after generatedAt (another clock, or a race) would read "in 2 s": clamp them.
  return ms == null ? '—' : el('time', { datetime: iso, title: localTime(ms) }, relative(Math.min(ms, now), now));
}

function matches(query, ...keys) {
  return !query || keys.flat(Infinity).some((key) => key != null && String(key).toLowerCase().includes(query));
}

// ---------------------------------------------------------------------------------------------------------------
// Classification: which badge colour a state gets. The text always says the same thing, colour is only a hint.

function routeProblem(route) {
  const condition = arr(route.conditions).find((c) => c.type !== 'Accepted');
  if (route.accepted === false) return { kind: 'error', condition };
  return condition ? { kind: 'warn', condition } : null;
}

function replicaKind(replica) {
  if (replica.lastError || replica.rejectedVersion) return 'error';
  return /^ready$/i.test(replica.state ?? '') ? 'ok' : 'warn';
}

function sourceStatus(source) {
  if (source.healthy === false) return ['error', 'Unhealthy'];
  if (source.synced === false) return ['warn', 'Not synced'];
  if (source.healthy && source.synced) return ['ok', 'Healthy, synced'];
  return ['warn', 'Unknown'];
}

/** Certificates and ACME orders share one table; this maps both onto the same row shape. */
function certificateRows(data) {
  const files = arr(data.certificates).map((c) => ({
    key: `cert:${c.name}`, name: c.name, source: c.source, hosts: c.hosts, issuer: c.issuer, notAfter: c.notAfter,
    state: c.condition, error: c.reason,
  }));
  const acme = arr(data.acme).map((a) => ({
    key: `acme:${a.name}`, name: a.name, source: 'acme', hosts: a.hosts, issuer: a.issuer, notAfter: a.notAfter,
    state: a.state, error: a.lastError, failures: a.failures, retryAt: a.retryAt, nextRenewal: a.nextRenewal,
  }));
  return [...files, ...acme];
}

function certificateHealth(cert, now) {
  const notAfter = parseTime(cert.notAfter);
  const daysLeft = notAfter == null ? null : Math.floor((notAfter - now) / DAY_MS);
  // Files: Valid, Expiring, Expired, Invalid. ACME: Issued, Pending (ordering, or retrying after a failure).
  const stateKind = /^(valid|issued)$/i.test(cert.state ?? '') ? 'ok' : /expiring|pend/i.test(cert.state ?? '')
    ? 'warn' : 'error';
  const expiry = daysLeft == null ? null : daysLeft < 0 ? 'error' : daysLeft < EXPIRY_WARN_DAYS ? 'warn' : null;
  return { notAfter, daysLeft, stateKind, expiry };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering.

const state = { data: null, needLogin: false, receivedAt: null, loginError: '' };
let overviewScroll = 0;

const routeHref = (name) => `#/route/${encodeURIComponent(name)}`;

function selectedRoute(hash = location.hash) {
  const match = /^#\/route\/(.+)$/.exec(hash);
  if (!match) return null;
  try { return decodeURIComponent(match[1]); } catch { return null; }
}

const rowClass = (kind) => (kind === 'error' ? 'is-error' : kind === 'warn' ? 'is-warn' : null);

function routeRow(route) {
  const name = str(route.name, '');
  const problem = routeProblem(route);
  let condition = badge('ok', 'Accepted');
  if (problem) {
    const { kind, condition: c } = problem;
    const detail = c ? [c.type, c.message].filter(Boolean).join(': ') : '';
    condition = kind === 'error' ? [badge('error', 'Rejected'), ' ', detail] : [badge('warn', str(c.type)), ' ',
      str(c.message, '')];
  }
  return el('tr', { 'data-key': name, 'data-route': name, class: rowClass(problem?.kind) },
    el('th', { scope: 'row' }, el('a', { href: routeHref(name) }, name || '(unnamed)')),
    el('td', { title: route.origin }, str(route.source)),
    el('td', {}, arr(route.hosts).length ? joined(route.hosts) : muted('any')),
    el('td', {}, joined(route.paths)),
    el('td', {}, str(route.policy)),
    el('td', { class: 'endpoint-count num' }, String(arr(route.endpoints).length)),
    el('td', { class: 'condition' }, condition));
}

function replicaRow(replica, now, desired) {
  const id = str(replica.id, '');
  const listeners = replica.listeners ?? {};
  const ports = [['plain', listeners.plain], ['tls', listeners.tls]]
    .filter(([, list]) => arr(list).length).map(([kind, list]) => `${kind} ${joined(list)}`).join('; ');
  const behind = replica.appliedVersion && desired && replica.appliedVersion !== desired;
  const error = replica.rejectedVersion
    ? `rejected ${shortVersion(replica.rejectedVersion)}: ${str(replica.lastError, 'no reason given')}`
    : str(replica.lastError);
  return el('tr', { 'data-key': id, 'data-replica': id, class: rowClass(replicaKind(replica)) },
    el('th', { scope: 'row' }, id || '(unnamed)'),
    el('td', {}, badge(replicaKind(replica), str(replica.state, 'Unknown'))),
    el('td', { class: 'mono', title: replica.appliedVersion }, shortVersion(replica.appliedVersion),
      behind ? muted(' (behind)') : null),
    el('td', {}, str(replica.lag)),
    el('td', {}, ago(replica.lastSeen, now)),
    el('td', {}, ports || muted('none')),
    el('td', { class: 'error-text' }, error));
}

function sourceRow(source, now) {
  const [kind, label] = sourceStatus(source);
  const failed = parseTime(source.lastFailure);
  return el('tr', { 'data-key': str(source.name, ''), class: rowClass(kind) },
    el('th', { scope: 'row' }, str(source.name)),
    el('td', {}, badge(kind, label)),
    el('td', {}, ago(source.lastSuccess, now)),
    el('td', { class: 'error-text' }, str(source.lastError),
      failed == null ? null : muted(` (failed ${relative(failed, now)})`)));
}

function certificateRow(cert, now) {
  const { notAfter, daysLeft, stateKind, expiry } = certificateHealth(cert, now);
  let left = null;
  if (daysLeft != null) {
    left = expiry === 'error' ? badge('error', 'Expired') : expiry === 'warn' ? badge('warn', `${daysLeft} d left`)
      : muted(`${daysLeft} d left`);
  }
  const renewal = parseTime(cert.nextRenewal);
  const retry = parseTime(cert.retryAt);
  const date = notAfter == null ? '—' : el('time', { datetime: cert.notAfter, title: localTime(notAfter) },
    localDate(notAfter));
  const failures = cert.failures ? `${cert.failures} failed attempt${cert.failures === 1 ? '' : 's'}` : null;
  const kind = stateKind === 'error' || expiry === 'error' ? 'error' : stateKind === 'warn' || expiry ? 'warn' : null;
  return el('tr', { 'data-key': cert.key, class: rowClass(kind) },
    el('th', { scope: 'row' }, str(cert.name)),
    el('td', {}, str(cert.source)),
    el('td', {}, joined(cert.hosts)),
    el('td', {}, str(cert.issuer)),
    el('td', { class: 'nowrap' }, date, left ? [' ', left] : null,
      renewal == null ? null : el('div', { class: 'muted' }, `renews ${relative(renewal, now)}`)),
    el('td', {}, badge(stateKind, str(cert.state, 'Unknown'))),
    el('td', { class: 'error-text' }, str(cert.error), failures ? muted(` (${failures})`) : null,
      retry == null ? null : muted(` retry ${relative(retry, now)}`)));
}

/** Renders one filtered table: rows, a placeholder row when empty, and the "n of m" count in the heading. */
function renderTable(sectionId, items, query, keysOf, rowOf, noun) {
  const section = $(sectionId);
  const shown = items.filter((item) => matches(query, keysOf(item)));
  const rows = shown.map(rowOf);
  if (!rows.length) {
    const columns = section.querySelectorAll('thead th').length;
    const message = items.length ? `No ${noun} match “${$('search').value.trim()}”.` : `No ${noun}.`;
    rows.push(el('tr', { 'data-key': 'empty', class: 'empty' }, el('td', { colspan: columns }, message)));
  }
  sync(section.querySelector('tbody'), rows);
  setText(section.querySelector('.count'), query ? `${shown.length} of ${items.length}` : String(items.length));
}

function renderAttention(data, now) {
  const routes = arr(data.routes).map(routeProblem).filter(Boolean);
  const certs = certificateRows(data).map((c) => certificateHealth(c, now));
  const counts = [
    [routes.filter((p) => p.kind === 'error').length, 'route rejected', 'routes rejected'],
    [routes.filter((p) => p.kind === 'warn').length, 'route with warnings', 'routes with warnings'],
    [arr(data.replicas).filter((r) => replicaKind(r) !== 'ok').length, 'replica not ready', 'replicas not ready'],
    [arr(data.sources).filter((s) => sourceStatus(s)[0] !== 'ok').length, 'source failing', 'sources failing'],
    [certs.filter((c) => c.stateKind !== 'ok' || c.expiry).length, 'certificate needs attention',
      'certificates need attention'],
    [arr(data.gitopsProblems).length, 'GitOps problem', 'GitOps problems'],
  ].filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  const attention = $('attention');
  attention.hidden = counts.length === 0;
  setText(attention, counts.length ? `Needs attention: ${counts.join(' · ')}` : '');
}

function renderOverview(data, now) {
  const query = $('search').value.trim().toLowerCase();
  renderAttention(data, now);
  renderTable('routes', arr(data.routes), query, (r) => [r.name, arr(r.hosts), arr(r.paths)], routeRow, 'routes');
  renderTable('replicas', arr(data.replicas), query, (r) => [r.id],
    (r) => replicaRow(r, now, data.desiredVersion), 'replicas');
  renderTable('sources', arr(data.sources), query, (s) => [s.name], (s) => sourceRow(s, now), 'sources');
  // Certificates also match on their hosts: "which certificate covers example.com" is the usual question.
  renderTable('certificates', certificateRows(data), query, (c) => [c.name, arr(c.hosts)],
    (c) => certificateRow(c, now), 'certificates');
  const problems = arr(data.gitopsProblems);
  $('problems').hidden = problems.length === 0;
  setText($('problems').querySelector('.count'), String(problems.length));
  sync($('problem-list'), problems.map((p) => el('li', {}, String(p))));
}

function endpointRows(route) {
  return arr(route.endpoints).flatMap((endpoint) => {
    const address = str(endpoint.address);
    const replicas = arr(endpoint.replicas);
    if (!replicas.length) {
      return [el('tr', { 'data-key': `${address}|` }, el('th', { scope: 'row' }, address),
        el('td', { colspan: 6 }, muted('no report yet')))];
    }
    return replicas.map((r) => {
      const healthy = r.healthy == null ? muted('not checked') : r.healthy ? badge('ok', 'yes') : badge('error', 'no');
      const latency = typeof r.latencyMs === 'number' ? r.latencyMs.toFixed(1) : '—';
      return el('tr', { 'data-key': `${address}|${r.replica}`, class: r.ejected || r.healthy === false ? 'is-error'
        : null },
      el('th', { scope: 'row' }, address),
      el('td', {}, str(r.replica)),
      el('td', {}, healthy),
      el('td', { class: 'num' }, str(r.inFlight)),
      el('td', { class: 'num' }, latency),
      el('td', { class: 'num' }, str(r.ejections)),
      el('td', {}, r.ejected ? badge('error', 'yes') : r.ejected === false ? 'no' : '—'));
    });
  });
}

function renderRoute(data, name) {
  setText($('route-title'), name);
  const route = arr(data?.routes).find((r) => r.name === name);
  const missing = $('route-missing');
  missing.hidden = Boolean(route);
  $('route-body').hidden = !route;
  setText(missing, data ? `Route “${name}” is no longer reported by the controller; it was removed or renamed.`
    : 'Loading…');
  if (!route) return;
  const meta = [['Source', route.source], ['Origin', route.origin], ['Mode', route.mode],
    ['Hosts', arr(route.hosts).length ? joined(route.hosts) : 'any'], ['Paths', joined(route.paths)],
    ['Policy', route.policy], ['Service', route.service]];
  sync($('route-meta'), meta.map(([term, value]) => el('div', {}, el('dt', {}, term), el('dd', {}, str(value)))));
  const conditions = arr(route.conditions).map((c) => {
    const kind = c.type === 'Accepted' ? 'ok' : route.accepted === false ? 'error' : 'warn';
    return el('li', {}, badge(kind, str(c.type, 'Unknown')), ' ', str(c.message, ''));
  });
  if (route.accepted === false) conditions.unshift(el('li', {}, badge('error', 'Rejected'), ' not served'));
  sync($('route-conditions'), conditions.length ? conditions : [el('li', {}, muted('none reported'))]);
  const rows = endpointRows(route);
  sync($('route-endpoints').querySelector('tbody'), rows.length ? rows
    : [el('tr', {}, el('td', { colspan: 7 }, 'No endpoints.'))]);
  const json = route.resource == null ? 'No resource (the route was not accepted into the desired snapshot).'
    : JSON.stringify(route.resource, null, 2);
  sync($('route-resource'), [document.createTextNode(json)]);
}

function renderHeader(data) {
  setText($('instance'), str(data.instanceName));
  setText($('desired-version'), shortVersion(data.desiredVersion));
  $('desired-version').title = str(data.desiredVersion, '');
  sync($('ready'), [data.ready == null ? document.createTextNode('—')
    : data.ready ? badge('ok', 'Ready') : badge('warn', 'Not ready')]);
}

/** Shows exactly one of: login form, overview, route detail (or nothing before the first answer). */
function render() {
  const route = selectedRoute();
  const { data } = state;
  $('logout').hidden = !tokens.get();
  $('login-view').hidden = !state.needLogin;
  setText($('login-error'), state.loginError);
  $('overview').hidden = state.needLogin || !data || route != null;
  $('route-view').hidden = state.needLogin || route == null;
  document.title = route != null ? `${route} · Ballast` : data?.instanceName ? `${data.instanceName} · Ballast`
    : 'Ballast dashboard';
  renderHeader(data ?? {});
  if (state.needLogin) return;
  if (route != null) renderRoute(data, route);
  if (!data) return;
  const now = parseTime(data.generatedAt) ?? Date.now(); // server clock: immune to a skewed browser clock
  if (route == null) renderOverview(data, now);
  markScrollableWrappers();
}

/** Only wrappers that actually scroll get a tab stop (keyboard users must be able to scroll them). */
function markScrollableWrappers() {
  for (const wrapper of document.querySelectorAll('.table-wrap')) {
    if (wrapper === document.activeElement) continue;
    if (wrapper.scrollWidth > wrapper.clientWidth) wrapper.tabIndex = 0;
    else wrapper.removeAttribute('tabindex');
  }
}

function setStatus(text, kind = null) {
  const status = $('status');
  status.className = kind ?? '';
  setText($('status-text'), text);
  setText($('updated'), state.receivedAt ? `· last update ${new Date(state.receivedAt).toLocaleTimeString()}` : '');
}

// ---------------------------------------------------------------------------------------------------------------
// Polling: a setTimeout chain, so a slow controller never sees overlapping requests.

let timer = 0;
let busy = false;

function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(poll, ms);
}

function pollNow() {
  clearTimeout(timer);
  if (!busy) poll();
}

async function poll() {
  timer = 0;
  if (document.hidden) return; // visibilitychange restarts the chain
  busy = true;
  const token = tokens.get();
  const abort = new AbortController();
  const deadline = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  let next = POLL_MS;
  try {
    const response = await fetch(API, {
      headers: token ? { Authorization: `Bearer ${token}` } : {}, cache: 'no-store', signal: abort.signal,
    });
    if (token !== tokens.get()) {
      next = 0; // signed in or out while this request was under way: its answer belongs to the old token
    } else if (response.status === 401) {
      await onUnauthorized(response, token);
      next = null;
    } else if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    } else {
      const data = await response.json();
      if (data == null || typeof data !== 'object' || Array.isArray(data)) throw new Error('unexpected answer');
      onData(data);
    }
  } catch (error) {
    onFailure(error);
    next = RETRY_MS;
  } finally {
    clearTimeout(deadline);
    busy = false;
    $('login').querySelector('button').disabled = false;
  }
  if (next != null && !document.hidden) schedule(next);
}

function onData(data) {
  const wasLogin = state.needLogin;
  Object.assign(state, { data, needLogin: false, receivedAt: Date.now(), loginError: '' });
  setStatus(data.ready === false ? 'Live; the controller is not ready yet' : 'Live');
  render();
  if (wasLogin) {
    $('token').value = '';
    $('main').focus();
  }
}

async function onUnauthorized(response, token) {
  let message = '';
  try { message = (await response.json())?.message ?? ''; } catch { /* body is optional */ }
  // A stored token that the controller refuses (wrong, or rotated) is useless: forget it.
  if (token) tokens.clear();
  Object.assign(state, { data: null, needLogin: true,
    loginError: token ? String(message || 'The token was not accepted.') : '' });
  setStatus('Sign-in required');
  render();
  if (token) $('token').select();
}

function onFailure(error) {
  const reason = error?.name === 'AbortError' ? 'no answer' : error?.message || 'network error';
  setStatus(`controller unreachable (${reason}); retrying every ${RETRY_MS / 1000} s`, 'is-error');
}

// ---------------------------------------------------------------------------------------------------------------
// Events.

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $('token').value.trim();
  if (!value) {
    state.loginError = 'Enter the token.';
    render();
    return;
  }
  tokens.set(value);
  state.loginError = '';
  event.submitter?.setAttribute('disabled', '');
  setStatus('Checking the token…');
  pollNow();
});

$('logout').addEventListener('click', () => {
  tokens.clear();
  // Hide the data at once rather than waiting for the controller's 401.
  Object.assign(state, { data: null, receivedAt: null, loginError: '' });
  setStatus('Signed out');
  render();
  $('main').focus();
  pollNow();
});

$('search').addEventListener('input', () => render());

document.addEventListener('visibilitychange', () => {
  if (document.hidden) {
    clearTimeout(timer);
    setStatus('Paused while this tab is hidden');
  } else if (!state.needLogin) {
    pollNow();
  }
});

window.addEventListener('hashchange', (event) => {
  const from = selectedRoute(new URL(event.oldURL).hash);
  const to = selectedRoute();
  if (from == null && to != null) overviewScroll = window.scrollY;
  render();
  if (to != null) {
    window.scrollTo(0, 0);
    $('route-title').focus();
  } else if (from != null) {
    // Return to where the user was, with focus on the link they followed.
    window.scrollTo(0, overviewScroll);
    const link = [...document.querySelectorAll('#routes tbody tr')].find((tr) => tr.dataset.route === from);
    link?.querySelector('a')?.focus({ preventScroll: true });
  }
});

window.addEventListener('resize', markScrollableWrappers);

render();
poll();
