// Trading example: the demo fleet's price feed, the stream "prices" (each message carries every symbol's price), over
// resilient-ws with the delivery feature. The feature subscribes again after every reconnect and resumes the stream
// where it stopped: the server replays what it still holds, repeats are dropped, and what it no longer holds (a
// restarted backend starts with empty buffers) comes as a `gap` event. The feed offers no snapshot to fetch, and
// needs none (the message after a gap carries every price again): the page shows the gap.
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
const { delivery } = globalThis.ResilientWS;

const STREAM = 'prices';
const TAPE_LENGTH = 14;

const $ = (selector) => document.querySelector(selector);
const ui = {
  ticker: $('#ticker tbody'),
  ticks: $('#ticks'),
  seq: $('#seq'),
  gaps: $('#gaps'),
  missed: $('#missed'),
  repeats: $('#repeats'),
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
let lastConnection = 0; // the openSerial the last update arrived on
let paused = false;
// first: the seq of the first update shown; with no gap, ticks = seq - first + 1 (each seq once).
const totals = { ticks: 0, first: undefined, seq: undefined, gaps: 0, missed: 0, repeats: 0 };
let feed = null; // the current client's delivery()
let repeatsBefore = 0; // repeats dropped by the features of earlier clients

const subscribeFrame = JSON.stringify({ subscribe: STREAM });
const unsubscribeFrame = JSON.stringify({ unsubscribe: STREAM });

// The panel writes the round trip into #rtt, which this page shows among its totals.
const panel = createPanel({ heartbeat, onClient, features: makeFeatures });
const { log } = panel;

// ---------------------------------------------------------------------------------------------
// The feed, through the delivery feature: one per client (the panel makes a new client when the mode changes).

function makeFeatures() {
  if (feed) repeatsBefore += feed.stats.duplicates;
  feed = delivery();
  feed.on('gap', onGap);
  // Sent now if connected, and again after every reopen, after the resume message.
  if (!paused) feed.subscribe(STREAM, subscribeFrame);
  return [feed];
}

function onClient(client) {
  client.on('open', () => {
    openSerial++;
    log(paused ? 'open (feed paused: not subscribed)' : `open: resuming ${STREAM} after seq ${totals.seq ?? '–'}`);
  });
  client.on('message', (event) => {
    const frame = parse(event.data);
    if (frame?.stream === STREAM) onUpdate(frame.seq, frame.data);
    else if (frame?.type === 'error') log(`server error: ${frame.error}`);
    else log(`unexpected message: ${String(event.data).slice(0, 80)}`);
  });
}

// ---------------------------------------------------------------------------------------------
// The book: one row per symbol, made when the symbol first shows up.

const book = new Map();

function rowOf(symbol) {
  let entry = book.get(symbol);
  if (!entry) {
    const row = document.createElement('tr');
    row.dataset.symbol = symbol;
    row.innerHTML =
      '<th scope="row"></th><td class="num price">–</td><td class="num change">–</td><td class="num updates">0</td>';
    row.querySelector('th').textContent = symbol;
    ui.ticker.append(row);
    entry = { symbol, row, price: undefined, first: undefined, updates: 0 };
    book.set(symbol, entry);
  }
  return entry;
}

// Each seq once and in order: the feature dropped what was already seen.
function onUpdate(seq, prices) {
  if (typeof seq !== 'number' || !prices || typeof prices !== 'object') return;
  totals.ticks++;
  totals.first ??= seq;
  totals.seq = seq;
  lastConnection = openSerial;
  const moves = [];
  for (const [symbol, price] of Object.entries(prices)) {
    if (typeof price !== 'number') continue;
    const move = apply(rowOf(symbol), price);
    if (move) moves.push(`${symbol} ${formatPrice(price)} ${move === 'up' ? '▲' : '▼'}`);
  }
  addToTape(`#${seq} ${moves.join(' · ') || 'no change'}`);
  showTotals();
}

function apply(entry, price) {
  const previous = entry.price;
  entry.price = price;
  entry.first ??= price;
  entry.updates++;
  const { row } = entry;
  row.querySelector('.price').textContent = formatPrice(price);
  row.querySelector('.updates').textContent = String(entry.updates);
  const change = ((price - entry.first) / entry.first) * 100;
  const changeCell = row.querySelector('.change');
  changeCell.textContent = `${change >= 0 ? '+' : ''}${change.toFixed(2)}%`;
  changeCell.dataset.sign = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  if (previous === undefined || price === previous) return undefined;
  row.dataset.move = price > previous ? 'up' : 'down';
  return row.dataset.move;
}

// Raised before the update after the gap is emitted: `from`–`to` are what the server no longer held.
function onGap({ stream, from, to }) {
  const missed = to - from + 1;
  const cause = lastConnection !== openSerial ? 'after a reconnect' : 'mid-stream';
  totals.gaps++;
  totals.missed += missed;
  const item = document.createElement('li');
  item.className = 'gap';
  item.dataset.stream = stream;
  item.dataset.from = String(from);
  item.dataset.to = String(to);
  item.dataset.missed = String(missed);
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  const text = document.createElement('span');
  text.textContent = `${stream}: seq ${from}–${to}, ${missed} missed ${cause}`;
  const note = document.createElement('span');
  note.className = 'gap-note';
  note.textContent = 'the server no longer held them; the next update carries every price';
  item.append(time, text, note);
  ui.gapLog.querySelector('.empty')?.remove();
  ui.gapLog.prepend(item);
  const tapeGap = document.createElement('li');
  tapeGap.className = 'tape-gap';
  tapeGap.textContent = `${missed} updates missed`;
  ui.tape.prepend(tapeGap);
  log(`gap in ${stream}: seq ${from}–${to} missed ${cause}`);
  showTotals();
}

function addToTape(text) {
  const item = document.createElement('li');
  item.textContent = text;
  ui.tape.prepend(item);
  while (ui.tape.childElementCount > TAPE_LENGTH) ui.tape.lastElementChild.remove();
}

function formatPrice(price) {
  return price.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function showTotals() {
  totals.repeats = repeatsBefore + (feed?.stats.duplicates ?? 0);
  ui.ticks.textContent = String(totals.ticks);
  ui.seq.textContent = totals.seq === undefined ? '–' : String(totals.seq);
  ui.gaps.textContent = String(totals.gaps);
  ui.missed.textContent = String(totals.missed);
  ui.repeats.textContent = String(totals.repeats);
}

ui.pause.addEventListener('click', () => {
  paused = !paused;
  ui.pause.setAttribute('aria-pressed', String(paused));
  ui.pause.textContent = paused ? 'Resume feed' : 'Pause feed';
  // On the same connection the server continues after the last seq it sent: resuming replays what was missed.
  if (paused) feed?.unsubscribe(STREAM, unsubscribeFrame);
  else feed?.subscribe(STREAM, subscribeFrame);
  log(paused ? 'feed paused: unsubscribed' : 'feed resumed: subscribed (the server replays what was missed)');
});

// ---------------------------------------------------------------------------------------------
// Start-up.

// For poking around in the console: `demo.ws.stats`, `demo.feed.streams`.
globalThis.demo = {
  get ws() {
    return panel.ws;
  },
  get feed() {
    return feed;
  },
  book,
  totals,
};

await panel.run();
