// Trading example: a price ticker over resilient-ws. It subscribes on every `open`, numbers updates by the
// server's per-symbol `seq`, spots the gaps a reconnect leaves and asks for a snapshot to catch up.
//
// Why the UMD global and not `import … from '/dist/index.mjs'`: the ESM build imports the bare specifier
// 'eventemitter3', which a page can only resolve with an import map. The demo server serves examples/ and
// dist/ only, so there is no URL to map it to. (Nor would /node_modules/eventemitter3/index.mjs do: it
// imports the CommonJS ./index.js. A server that serves node_modules can map "eventemitter3" to
// "/node_modules/eventemitter3/dist/eventemitter3.esm.js".) So index.html loads the UMD build first and
// this module takes the SDK from its global.
const { ResilientWebSocket, discover } = globalThis.ResilientWS;

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'AAPL', 'EUR-USD'];
const TAPE_LENGTH = 14;

const $ = (selector) => document.querySelector(selector);
const ui = {
  state: $('#state'),
  mode: $('#mode'),
  attempt: $('#attempt'),
  nextRetry: $('#next-retry'),
  endpoint: $('#endpoint'),
  resolved: $('#resolved'),
  clientBackend: $('#client-backend'),
  counters: $('#counters'),
  lastError: $('#last-error'),
  lastErrorStatus: $('#last-error-status'),
  reconnect: $('#reconnect'),
  ticker: $('#ticker tbody'),
  ticks: $('#ticks'),
  gaps: $('#gaps'),
  missed: $('#missed'),
  snapshots: $('#snapshots'),
  rtt: $('#rtt'),
  pause: $('#pause'),
  gapLog: $('#gap-log'),
  tape: $('#tape'),
  target: $('#target-backend'),
  silence: $('#silence'),
  switchButton: $('#switch'),
  controlResult: $('#control-result'),
  serverTarget: $('#server-target'),
  log: $('#log'),
};

// The heartbeat: the demo server answers {"type":"ping","id":N} with {"type":"pong","id":N}.
const heartbeat = {
  interval: 2000,
  timeout: 2000,
  message: JSON.stringify({ type: 'ping', id: 0 }),
  isPong: (event) =>
    typeof event.data === 'string' && event.data.includes('"pong"') && parse(event.data)?.type === 'pong',
};

let ws = null;
let openSerial = 0; // one per connection that opened
let paused = false;
let retryAt = 0;
let retryNumber = 0;
let serverStatus = null; // the last answer of GET /status or POST /control
const totals = { ticks: 0, gaps: 0, missed: 0, snapshots: 0 };

function parse(data) {
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

function send(message) {
  return ws?.send(JSON.stringify(message));
}

// ---------------------------------------------------------------------------------------------
// The book: one row per symbol, with the last seq seen.

const book = new Map(
  SYMBOLS.map((symbol) => {
    const row = document.createElement('tr');
    row.dataset.symbol = symbol;
    row.innerHTML =
      '<th scope="row"></th><td class="num price">–</td><td class="num change">–</td>' +
      '<td class="num seq">–</td><td class="num updates">0</td><td class="num gaps">0</td>';
    row.querySelector('th').textContent = symbol;
    ui.ticker.append(row);
    // seq: the last applied; connection: the openSerial it arrived on; gap: the entry awaiting a snapshot.
    return [symbol, { symbol, row, seq: undefined, price: undefined, first: undefined, updates: 0, gaps: 0 }];
  }),
);

function subscribeAll() {
  for (const symbol of SYMBOLS) send({ type: 'subscribe', symbol });
}

function onTick({ symbol, price, seq }) {
  const entry = book.get(symbol);
  if (!entry || typeof seq !== 'number') return;
  // Already covered by a snapshot, or a repeat: nothing new.
  if (entry.seq !== undefined && seq <= entry.seq) return;
  if (entry.seq !== undefined && seq > entry.seq + 1) openGap(entry, seq);
  entry.connection = openSerial;
  entry.updates++;
  totals.ticks++;
  apply(entry, price, seq);
  addToTape(`#${seq}`, symbol, price, entry);
  showTotals();
}

function openGap(entry, seq) {
  const missed = seq - entry.seq - 1;
  const cause = entry.connection !== openSerial ? 'after a reconnect' : entry.resumed ? 'after a pause' : 'mid-stream';
  entry.gaps++;
  totals.gaps++;
  totals.missed += missed;
  const item = document.createElement('li');
  item.className = 'gap';
  item.dataset.symbol = entry.symbol;
  item.dataset.from = String(entry.seq);
  item.dataset.to = String(seq);
  item.dataset.missed = String(missed);
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  const text = document.createElement('span');
  text.textContent = `${entry.symbol}: seq ${entry.seq} → ${seq}, ${missed} missed ${cause}`;
  const snapshot = document.createElement('span');
  snapshot.className = 'snapshot-status';
  snapshot.textContent = 'asking for a snapshot…';
  item.append(time, text, snapshot);
  ui.gapLog.querySelector('.empty')?.remove();
  ui.gapLog.prepend(item);
  entry.gap = item;
  entry.resumed = false;
  entry.row.classList.add('resyncing');
  const tapeGap = document.createElement('li');
  tapeGap.className = 'tape-gap';
  tapeGap.textContent = `${entry.symbol}: ${missed} updates missed`;
  ui.tape.prepend(tapeGap);
  log(`gap in ${entry.symbol}: ${entry.seq} → ${seq}; asking for a snapshot`);
  send({ type: 'snapshot', symbol: entry.symbol });
}

function onSnapshot({ symbol, price, seq }) {
  const entry = book.get(symbol);
  if (!entry) return;
  totals.snapshots++;
  if (entry.seq === undefined || seq >= entry.seq) apply(entry, price, seq);
  if (entry.gap) {
    entry.gap.classList.add('resolved');
    entry.gap.dataset.snapshot = String(seq);
    entry.gap.querySelector('.snapshot-status').textContent = `snapshot at seq ${seq}, price ${formatPrice(price)}`;
    entry.gap = undefined;
  }
  entry.row.classList.remove('resyncing');
  addToTape(`snap ${seq}`, symbol, price, entry);
  showTotals();
  log(`snapshot of ${symbol} at seq ${seq}`);
}

function apply(entry, price, seq) {
  const previous = entry.price;
  entry.price = price;
  entry.seq = seq;
  entry.first ??= price;
  const { row } = entry;
  row.querySelector('.price').textContent = formatPrice(price);
  row.querySelector('.seq').textContent = String(seq);
  row.querySelector('.updates').textContent = String(entry.updates);
  row.querySelector('.gaps').textContent = String(entry.gaps);
  const change = ((price - entry.first) / entry.first) * 100;
  const changeCell = row.querySelector('.change');
  changeCell.textContent = `${change >= 0 ? '+' : ''}${change.toFixed(2)}%`;
  changeCell.dataset.sign = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  if (previous !== undefined && price !== previous) row.dataset.move = price > previous ? 'up' : 'down';
}

function addToTape(label, symbol, price, entry) {
  const item = document.createElement('li');
  const move = entry.row.dataset.move;
  item.dataset.move = move ?? '';
  item.textContent = `${label} ${symbol} ${formatPrice(price)} ${move === 'up' ? '▲' : move === 'down' ? '▼' : ''}`;
  ui.tape.prepend(item);
  while (ui.tape.childElementCount > TAPE_LENGTH) ui.tape.lastElementChild.remove();
}

function formatPrice(price) {
  return price.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function showTotals() {
  ui.ticks.textContent = String(totals.ticks);
  ui.gaps.textContent = String(totals.gaps);
  ui.missed.textContent = String(totals.missed);
  ui.snapshots.textContent = String(totals.snapshots);
}

ui.pause.addEventListener('click', () => {
  paused = !paused;
  ui.pause.setAttribute('aria-pressed', String(paused));
  ui.pause.textContent = paused ? 'Resume feed' : 'Pause feed';
  for (const symbol of SYMBOLS) send({ type: paused ? 'unsubscribe' : 'subscribe', symbol });
  for (const entry of book.values()) entry.resumed = !paused;
  log(paused ? 'feed paused: unsubscribed' : 'feed resumed: subscribed');
});

// ---------------------------------------------------------------------------------------------
// The connection.

function backendUrl(name) {
  const known = serverStatus?.backends?.[name]?.url;
  if (known) return known;
  // Before /status answered: `npm start` puts backend a on the page's port + 1, b on + 2.
  return `ws://${location.hostname}:${Number(location.port) + (name === 'a' ? 1 : 2)}/ws`;
}

function createClient(mode) {
  const options = { heartbeat };
  if (mode === 'discovery') return new ResilientWebSocket(discover('/discovery'), options);
  // The native handshake fails on the 302; the preflight GET follows it to the backend's http twin.
  if (mode === 'redirect') return new ResilientWebSocket('/redirect/302/ws', options);
  return new ResilientWebSocket(backendUrl('a'), options);
}

function start(mode) {
  if (ws) {
    ws.removeAllListeners();
    ws.close(1000, 'mode change');
  }
  const client = createClient(mode);
  ws = client;
  retryAt = 0;
  // A new client starts with a clean panel.
  for (const field of [ui.attempt, ui.endpoint, ui.resolved, ui.clientBackend]) field.textContent = '–';
  for (const key of Object.keys(ui.resolved.dataset)) delete ui.resolved.dataset[key];
  lastBackend = undefined;
  showError('none', undefined);
  log(`new client: ${ui.mode.selectedOptions[0].textContent}`);

  client.on('state', (state, previous) => {
    ui.state.textContent = state;
    ui.state.dataset.state = state;
    if (state !== 'waiting') retryAt = 0;
    log(`state ${previous} → ${state}`);
    showStats();
    updateCountdown();
  });
  client.on('resolving', ({ attempt, via, url }) => {
    showAttempt(attempt);
    log(`resolving via ${via}, attempt ${attempt}: ${url}`);
  });
  client.on('resolved', (info) => {
    ui.endpoint.textContent = info.url;
    const parts = [info.via];
    if (info.redirected) parts.push('redirected');
    if (info.status !== undefined) parts.push(`HTTP ${info.status}`);
    if (info.cached) parts.push('cached');
    if (info.maxAge !== undefined) parts.push(`max-age ${info.maxAge} s`);
    ui.resolved.textContent = parts.join(', ');
    ui.resolved.dataset.via = info.via;
    ui.resolved.dataset.redirected = String(info.redirected);
    ui.resolved.dataset.status = info.status ?? '';
    ui.resolved.dataset.cached = String(info.cached);
    log(`resolved ${parts.join(', ')} → ${info.url}`);
    showBackend();
  });
  client.on('connecting', ({ attempt, url }) => {
    showAttempt(attempt);
    log(`connecting, attempt ${attempt}: ${url}`);
  });
  client.on('open', () => {
    openSerial++;
    log(paused ? 'open (feed paused: not subscribing)' : 'open: subscribing');
    // Subscriptions live on the server's side of one connection: make them again on every open.
    if (!paused) subscribeAll();
  });
  client.on('message', (event) => {
    const message = parse(event.data);
    if (message?.type === 'tick') onTick(message);
    else if (message?.type === 'snapshot') onSnapshot(message);
    else if (message?.type === 'error') log(`server error: ${message.error}`);
    else log(`unexpected message: ${String(event.data).slice(0, 80)}`);
  });
  client.on('close', (event) => log(`close ${event.code}${event.reason ? ` (${event.reason})` : ''}`));
  client.on('reconnecting', ({ attempt, delay, reason }) => {
    retryAt = Date.now() + delay;
    retryNumber = attempt;
    showError(describeOutcome(reason), reason.type === 'http' ? reason.status : undefined);
    log(`reconnecting: retry ${attempt} in ${(delay / 1000).toFixed(1)} s after ${describeOutcome(reason)}`);
    updateCountdown();
  });
  client.on('failed', (error) => {
    showError(error.message, error.status);
    log(`failed: ${error.message}`);
  });
  client.on('drop', ({ reason }) => log(`dropped a message (${reason})`));
}

function describeOutcome(outcome) {
  switch (outcome.type) {
    case 'close':
      return `closed ${outcome.code}${outcome.reason ? ` (${outcome.reason})` : ''}${outcome.opened ? '' : ' during the handshake'}`;
    case 'http': {
      const wait = outcome.retryAfter === undefined ? '' : `, Retry-After ${Math.round(outcome.retryAfter / 1000)} s`;
      return `HTTP ${outcome.status} from ${outcome.url}${wait}`;
    }
    case 'resolve':
      return outcome.error.message;
    case 'timeout':
      return 'the handshake timed out';
    case 'heartbeat':
      return 'no pong before the heartbeat deadline';
    default:
      return `the WebSocket constructor threw ${outcome.error}`;
  }
}

function showAttempt(attempt) {
  ui.attempt.textContent = String(attempt);
  ui.attempt.dataset.attempt = String(attempt);
}

function showError(text, status) {
  ui.lastError.textContent = text;
  ui.lastErrorStatus.hidden = status === undefined;
  ui.lastErrorStatus.textContent = status === undefined ? '' : `HTTP ${status}`;
  ui.lastErrorStatus.dataset.status = status ?? '';
}

function updateCountdown() {
  const left = retryAt - Date.now();
  if (ws?.state === 'waiting' && retryAt && left > 0) {
    ui.nextRetry.textContent = `retry ${retryNumber} in ${(left / 1000).toFixed(1)} s`;
  } else if (ws?.state === 'waiting' && retryAt) {
    ui.nextRetry.textContent = `retry ${retryNumber} now`;
  } else {
    ui.nextRetry.textContent = '–';
  }
}

function showStats() {
  if (!ws) return;
  const { attempts, reconnects, rtt } = ws.stats;
  ui.rtt.textContent = rtt === undefined ? '–' : `${rtt} ms`;
  ui.rtt.dataset.rtt = rtt ?? '';
  ui.counters.textContent = `${attempts} handshakes, ${reconnects} reconnects`;
}

ui.reconnect.addEventListener('click', () => {
  if (!ws) return;
  // After `failed` or `close()` only connect() starts over; reconnect() also cuts a wait short.
  if (ws.state === 'failed' || ws.state === 'closed') ws.connect();
  else ws.reconnect();
});

ui.mode.addEventListener('change', () => {
  const url = new URL(location.href);
  url.searchParams.set('mode', ui.mode.value);
  history.replaceState(null, '', url);
  start(ui.mode.value);
});

// ---------------------------------------------------------------------------------------------
// The demo server's control API.

function clientBackend() {
  if (!serverStatus || !ws?.url) return undefined;
  const port = new URL(ws.url).port;
  return Object.keys(serverStatus.backends).find((name) => String(serverStatus.backends[name].port) === port);
}

let lastBackend;
function showBackend() {
  lastBackend = clientBackend() ?? lastBackend;
  ui.clientBackend.textContent = lastBackend ? `backend ${lastBackend}` : '– (not resolved yet)';
  ui.clientBackend.dataset.backend = lastBackend ?? '';
}

// The backend the buttons act on: the chosen one, or the one the client is (or was last) on.
function targetBackend() {
  if (ui.target.value !== 'auto') return ui.target.value;
  return clientBackend() ?? lastBackend ?? serverStatus?.target ?? 'a';
}

async function control(body) {
  const response = await fetch('/control', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  showServerStatus(answer);
  return answer;
}

const actions = {
  kill: () => [{ action: 'kill', backend: targetBackend() }],
  restart: () => {
    // On the client's backend, bring back every killed backend (the client may have moved on).
    const dead = serverStatus ? Object.keys(serverStatus.backends).filter((n) => !serverStatus.backends[n].alive) : [];
    const names = ui.target.value === 'auto' && dead.length ? dead : [targetBackend()];
    return names.map((backend) => ({ action: 'restart', backend }));
  },
  silence: () => {
    const backend = targetBackend();
    return [{ action: 'silence', backend, on: !serverStatus?.backends?.[backend]?.silenced }];
  },
  'close-1012': () => [{ action: 'closeAll', backend: targetBackend(), code: 1012, reason: 'service restart' }],
  'status-403': () => [{ action: 'setStatus', backend: targetBackend(), status: 403 }],
  'status-503': () => [{ action: 'setStatus', backend: targetBackend(), status: 503, retryAfter: 3 }],
  'clear-status': () => [{ action: 'setStatus', backend: targetBackend(), status: null }],
  switch: () => [{ action: 'switch', backend: serverStatus?.current === 'b' ? 'a' : 'b' }],
  reset: () => [{ action: 'reset' }],
};

for (const [id, bodies] of Object.entries(actions)) {
  $(`#${id}`).addEventListener('click', async () => {
    const list = bodies();
    const said = list.map((b) => `${b.action}${b.backend ? ` ${b.backend}` : ''}`).join(', ');
    try {
      for (const body of list) await control(body);
      ui.controlResult.textContent = `✓ ${said}`;
      ui.controlResult.dataset.ok = 'true';
      log(`control: ${said}`);
    } catch (error) {
      ui.controlResult.textContent = `✗ ${said}: ${error.message}`;
      ui.controlResult.dataset.ok = 'false';
    }
  });
}

function showServerStatus(status) {
  serverStatus = status;
  for (const [name, backend] of Object.entries(status.backends)) {
    const row = $(`#backend-${name}`);
    if (!row) continue;
    row.dataset.alive = String(backend.alive);
    row.querySelector('.alive').textContent = backend.alive ? 'yes' : 'killed';
    row.querySelector('.silenced').textContent = backend.silenced ? 'yes' : 'no';
    row.querySelector('.http').textContent =
      backend.status === null
        ? '–'
        : `${backend.status}${backend.retryAfter === null ? '' : ` (${backend.retryAfter} s)`}`;
    row.querySelector('.clients').textContent = String(backend.clients);
  }
  ui.serverTarget.textContent = status.target ? `backend ${status.target}` : 'nothing (both down)';
  ui.switchButton.textContent = `Switch to ${status.current === 'b' ? 'a' : 'b'}`;
  const silenced = !!status.backends[targetBackend()]?.silenced;
  ui.silence.textContent = silenced ? 'Unsilence' : 'Silence';
  ui.silence.setAttribute('aria-pressed', String(silenced));
  showBackend();
}

async function pollStatus() {
  try {
    const response = await fetch('/status', { cache: 'no-store' });
    showServerStatus(await response.json());
  } catch {
    ui.serverTarget.textContent = 'unknown (the demo server does not answer)';
  }
}

ui.target.addEventListener('change', () => serverStatus && showServerStatus(serverStatus));

// ---------------------------------------------------------------------------------------------
// Event log and start-up.

function log(text) {
  const item = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  item.append(time, ` ${text}`);
  ui.log.prepend(item);
  while (ui.log.childElementCount > 80) ui.log.lastElementChild.remove();
}

// For poking around in the console: `demo.ws.stats`.
globalThis.demo = {
  get ws() {
    return ws;
  },
  book,
  totals,
};

const requested = new URLSearchParams(location.search).get('mode');
if (requested && [...ui.mode.options].some((option) => option.value === requested)) ui.mode.value = requested;
await pollStatus();
start(ui.mode.value);
setInterval(updateCountdown, 100);
setInterval(showStats, 500);
setInterval(pollStatus, 1000);
