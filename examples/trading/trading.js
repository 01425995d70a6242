// Trading example: a price ticker over resilient-ws. It subscribes on every `open`, numbers updates by the
// server's per-symbol `seq`, spots the gaps a reconnect leaves and asks for a snapshot to catch up.
// ../shared/panel.js (global `DemoPanel`) creates the client and shows the connection badge, facts, server
// controls and event log.
//
// Why globals and not `import … from '/dist/index.mjs'`: the ESM build imports the bare specifier
// 'eventemitter3', which a page can only resolve with an import map. The demo server serves examples/ and
// dist/ only, so there is no URL to map it to. (Nor would /node_modules/eventemitter3/index.mjs do: it
// imports the CommonJS ./index.js. A server that serves node_modules can map "eventemitter3" to
// "/node_modules/eventemitter3/dist/eventemitter3.esm.js".) So index.html loads the UMD build first, then
// ../shared/panel.js, which creates the clients from the UMD build's global and is a classic script so that
// the chat page can load it too; this module takes the panel from its global.
const { createPanel, parse } = globalThis.DemoPanel;

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'AAPL', 'EUR-USD'];
const TAPE_LENGTH = 14;

const $ = (selector) => document.querySelector(selector);
const ui = {
  ticker: $('#ticker tbody'),
  ticks: $('#ticks'),
  gaps: $('#gaps'),
  missed: $('#missed'),
  snapshots: $('#snapshots'),
  pause: $('#pause'),
  gapLog: $('#gap-log'),
  tape: $('#tape'),
};

// The heartbeat: the demo server answers {"type":"ping","id":N} with {"type":"pong","id":N}.
const heartbeat = {
  interval: 2000,
  timeout: 2000,
  message: JSON.stringify({ type: 'ping', id: 0 }),
  isPong: (event) =>
    typeof event.data === 'string' && event.data.includes('"pong"') && parse(event.data)?.type === 'pong',
};

let openSerial = 0; // one per connection that opened
let paused = false;
const totals = { ticks: 0, gaps: 0, missed: 0, snapshots: 0 };

// The panel writes the round trip into #rtt, which this page shows among its totals.
const panel = createPanel({ heartbeat, onClient });
const { log } = panel;

function send(message) {
  return panel.ws?.send(JSON.stringify(message));
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
// The connection: the panel creates each client, the page adds its own listeners.

function onClient(client) {
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
}

// ---------------------------------------------------------------------------------------------
// Start-up.

// For poking around in the console: `demo.ws.stats`.
globalThis.demo = {
  get ws() {
    return panel.ws;
  },
  book,
  totals,
};

await panel.run();
