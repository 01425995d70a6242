// The trading example in React. The demo fleet's stream "prices" (each update carries every symbol's price)
// reaches the page through one ResilientWebSocket shared by the components that name its URL, with the delivery
// feature resuming the stream after every reconnect. The price book is a reducer over the messages: it runs for
// every update and the page renders at most once per frame. Built by `npm run build` into build/app.js.

import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { type ConnectionOptions, useConnection, useMessages } from '../../src/bindings/react';
import { delivery, type Gap } from '../../src/features/delivery';

const STREAM = 'prices';
const TAPE_LENGTH = 14;
// The origin answers this path with a redirect to the current backend: the client's preflight follows it.
const FEED_URL = '/redirect/302/ws';

// One delivery feature for the page: it subscribes again after every reopen and resumes the stream.
const feed = delivery();
feed.subscribe(STREAM, JSON.stringify({ subscribe: STREAM }));

const options: ConnectionOptions = {
  features: [feed],
  // The demo server answers {"type":"ping","id":N} with {"type":"pong","id":N}.
  heartbeat: {
    interval: 2000,
    timeout: 2000,
    message: JSON.stringify({ type: 'ping', id: 0 }),
    isPong: (event) => typeof event.data === 'string' && event.data.includes('"pong"'),
  },
};

interface Row {
  price: number;
  first: number;
  updates: number;
  move?: 'up' | 'down';
}

interface Book {
  rows: Record<string, Row>;
  ticks: number;
  /** The first seq shown: every seq after it is shown once or reported missed in a gap. */
  first?: number;
  seq?: number;
  tape: string[];
}

const emptyBook: Book = { rows: {}, ticks: 0, tape: [] };

const formatPrice = (price: number) =>
  price.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// Each seq once and in order: the delivery feature dropped what was already seen. Anything else is left out.
function reduceBook(book: Book, message: MessageEvent): Book {
  if (typeof message.data !== 'string' || !message.data.startsWith(`{"stream":"${STREAM}"`)) return book;
  const { seq, data } = JSON.parse(message.data) as { seq: number; data: Record<string, number> };
  const rows = { ...book.rows };
  const moves: string[] = [];
  for (const [symbol, price] of Object.entries(data)) {
    if (typeof price !== 'number') continue;
    const before = rows[symbol];
    const move = before && price !== before.price ? (price > before.price ? 'up' : 'down') : before?.move;
    rows[symbol] = { price, first: before?.first ?? price, updates: (before?.updates ?? 0) + 1, move };
    if (before && price !== before.price) moves.push(`${symbol} ${formatPrice(price)} ${move === 'up' ? '▲' : '▼'}`);
  }
  const line = `#${seq} ${moves.join(' · ') || 'no change'}`;
  return {
    rows,
    ticks: book.ticks + 1,
    first: book.first ?? seq,
    seq,
    tape: [line, ...book.tape].slice(0, TAPE_LENGTH),
  };
}

// What the server could not replay, as the delivery feature reports it.
function useGaps(): Gap[] {
  const [gaps, setGaps] = useState<Gap[]>([]);
  useEffect(() => {
    const onGap = (gap: Gap) => setGaps((list) => [gap, ...list]);
    feed.on('gap', onGap);
    return () => void feed.off('gap', onGap);
  }, []);
  return gaps;
}

async function control(body: object): Promise<void> {
  const status = await (await fetch('/status', { cache: 'no-store' })).json();
  await fetch('/control', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ backend: status.current, ...body }),
  });
}

function Badge() {
  const { state } = useConnection(FEED_URL, options);
  return (
    <span id="state" className="badge" data-state={state} role="status" aria-live="polite">
      {state}
    </span>
  );
}

function Ticker() {
  const connection = useConnection(FEED_URL, options);
  const book = useMessages(connection, reduceBook, emptyBook);
  const gaps = useGaps();
  const missed = gaps.reduce((sum, gap) => sum + gap.to - gap.from + 1, 0);
  return (
    <div className="main-column">
      <section className="card" aria-label="Ticker">
        <div className="card-head">
          <h2>Prices</h2>
        </div>
        <table id="ticker" className="ticker">
          <thead>
            <tr>
              <th>Symbol</th>
              <th className="num">Price</th>
              <th className="num">Change</th>
              <th className="num">Updates</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(book.rows).map(([symbol, row]) => {
              const change = ((row.price - row.first) / row.first) * 100;
              return (
                <tr key={symbol} data-symbol={symbol} data-move={row.move}>
                  <th scope="row">{symbol}</th>
                  <td className="num price">{formatPrice(row.price)}</td>
                  <td className="num change" data-sign={change > 0 ? 'up' : change < 0 ? 'down' : 'flat'}>
                    {`${change >= 0 ? '+' : ''}${change.toFixed(2)}%`}
                  </td>
                  <td className="num updates">{row.updates}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <div className="totals">
          <Total label="Updates" id="ticks" value={book.ticks} first={book.first} />
          <Total label="Last seq" id="seq" value={book.seq ?? '–'} />
          <Total label="Gaps" id="gaps" value={gaps.length} />
          <Total label="Missed updates" id="missed" value={missed} />
          <Total label="Repeats dropped" id="repeats" value={feed.stats.duplicates} />
        </div>
      </section>
      <div className="split">
        <section className="card" aria-label="Gaps">
          <h2>Gaps</h2>
          <ol id="gap-log" className="gap-log">
            {gaps.length ? (
              gaps.map(({ stream, from, to }) => (
                <li key={`${from}-${to}`} className="gap" data-from={from} data-to={to}>
                  {`${stream}: seq ${from}–${to}, ${to - from + 1} missed`}
                </li>
              ))
            ) : (
              <li className="empty">No gap yet. Kill and Restart make one (a restarted backend starts empty).</li>
            )}
          </ol>
        </section>
        <section className="card" aria-label="Latest updates">
          <h2>Latest updates</h2>
          <ol id="tape" className="tape">
            {book.tape.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ol>
        </section>
      </div>
    </div>
  );
}

function Total({ label, id, value, first }: { label: string; id: string; value: number | string; first?: number }) {
  return (
    <div className="total">
      <span className="total-label">{label}</span>
      <strong id={id} data-first={first}>
        {value}
      </strong>
    </div>
  );
}

function Connection() {
  const { state, stats, lastError, client } = useConnection(FEED_URL, options);
  const facts: [string, string][] = [
    ['State', state],
    // Shown once tabs can share one connection; until then each tab has its own.
    ['Role', 'this tab only'],
    ['Endpoint', client?.url.replace(/\?.*$/, '') || '–'],
    ['Attempts', String(stats.attempts)],
    ['Reconnects', String(stats.reconnects)],
    ['Round trip', stats.rtt === undefined ? '–' : `${stats.rtt} ms`],
    ['Last error', lastError?.message ?? '–'],
  ];
  return (
    <aside className="side">
      <section className="card" aria-label="Connection">
        <h2>Connection</h2>
        <dl className="facts">
          {facts.map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd id={`fact-${name.toLowerCase().replace(' ', '-')}`}>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="card" aria-label="Server">
        <h2>Server</h2>
        <div className="controls">
          <button id="close-1012" type="button" onClick={() => control({ action: 'closeAll', code: 1012 })}>
            Close 1012
          </button>
          <button id="kill" type="button" onClick={() => control({ action: 'kill' })}>
            Kill
          </button>
          <button id="restart" type="button" onClick={() => control({ action: 'restart' })}>
            Restart
          </button>
        </div>
      </section>
    </aside>
  );
}

function App() {
  return (
    <>
      <header className="topbar">
        <h1>
          resilient-ws <span className="subtitle">trading, in React</span>
        </h1>
        <Badge />
      </header>
      <main className="layout">
        <Ticker />
        <Connection />
      </main>
    </>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
