// Hostile servers, in Node with real servers on 127.0.0.1: what a client spends against an
// endpoint that a discovery answer names and that refuses (403) or is overloaded (503 with
// Retry-After), and against a server that accepts and closes with 4401 at once.
// BENCH_DIST=<dir> measures another build (e.g. an older commit's dist/) the same way.

import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { integer, sleep } from './lib.mjs';

const dist = process.env.BENCH_DIST ? new URL(`file://${process.env.BENCH_DIST}/index.mjs`) : '../dist/index.mjs';
const { ResilientWebSocket, discover } = await import(dist);

const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After' };

/**
 * An HTTP + WebSocket server on 127.0.0.1. `answer()` returns an HTTP status (with headers) for
 * both GETs and upgrades, or null to accept the upgrade (and answer GETs 426). Every request is
 * logged with its kind and `performance.now()`.
 */
async function startServer(answer, onConnection = () => {}) {
  const log = [];
  const server = createServer((request, response) => {
    log.push({ kind: 'GET', at: performance.now() });
    const said = answer(request.url);
    if (said) response.writeHead(said.status, { ...cors, ...said.headers }).end(said.body ?? '');
    else response.writeHead(426, cors).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    log.push({ kind: 'UPGRADE', at: performance.now() });
    const said = answer(request.url);
    if (!said) return wss.handleUpgrade(request, socket, head, onConnection);
    const headers = Object.entries({ ...cors, ...said.headers }).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.end(`HTTP/1.1 ${said.status} Refused\r\n${headers.join('')}content-length: 0\r\n\r\n`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    log,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      for (const socket of wss.clients) socket.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// A discovery endpoint naming `target()`.
const discoveryServer = (target) =>
  startServer(() => ({
    status: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: target() }),
  }));

async function forbidden() {
  const b = await startServer(() => ({ status: 403 }));
  const discovery = await discoveryServer(() => b.ws);
  const client = new ResilientWebSocket(discover(`${discovery.http}/discover`), { WebSocket });
  let failedWith;
  client.on('failed', (error) => {
    failedWith = error.status;
  });
  client.on('error', () => {});
  const start = performance.now();
  while (performance.now() - start < 10_000 && client.state !== 'failed') await sleep(20);
  client.close();
  await Promise.all([b.stop(), discovery.stop()]);
  const handshakes = b.log.filter(({ kind }) => kind === 'UPGRADE').length;
  return { handshakes, failedWith };
}

async function overloaded() {
  const window = 6000;
  let backendUp = false;
  const b = await startServer(() => (backendUp ? null : { status: 503, headers: { 'Retry-After': '3' } }));
  const discovery = await discoveryServer(() => b.ws);
  const start = performance.now();
  const timer = setTimeout(() => {
    backendUp = true;
  }, window);
  const client = new ResilientWebSocket(discover(`${discovery.http}/discover`), { WebSocket });
  client.on('error', () => {});
  while (client.state !== 'open' && performance.now() - start < 20_000) await sleep(20);
  clearTimeout(timer);
  client.close();
  await Promise.all([b.stop(), discovery.stop()]);
  // Every request of any kind within the window, in order, with the gaps between them.
  const all = [
    ...b.log.map((entry) => ({ ...entry, where: 'b' })),
    ...discovery.log.map((entry) => ({ ...entry, where: 'discovery' })),
  ]
    .filter(({ at }) => at - start < window)
    .sort((x, y) => x.at - y.at);
  const gaps = all.slice(1).map((entry, index) => entry.at - all[index].at);
  return {
    attempts: all.length,
    handshakes: all.filter(({ kind, where }) => where === 'b' && kind === 'UPGRADE').length,
    shortestGapAfterFirstAnswer: gaps.length > 2 ? Math.min(...gaps.slice(2)) : undefined,
    medianGap: gaps.sort((x, y) => x - y)[Math.floor(gaps.length / 2)],
  };
}

async function authLoop() {
  const server = await startServer(
    () => null,
    (socket) => setTimeout(() => socket.close(4401, 'unauthorized'), 10),
  );
  let refreshes = 0;
  const delays = [];
  const client = new ResilientWebSocket(server.ws, {
    WebSocket,
    maxRetries: 2,
    refreshAuth: async () => {
      refreshes++;
    },
  });
  client.on('reconnecting', ({ delay }) => delays.push(delay));
  client.on('error', () => {});
  await sleep(3000);
  const state = client.state;
  client.close();
  await server.stop();
  return { refreshes, state, zeroDelays: delays.filter((delay) => delay === 0).length };
}

/** Runs the three scenarios once each; see the file comment. */
export async function run() {
  const refused = await forbidden();
  const busy = await overloaded();
  const auth = await authLoop();
  return {
    title: 'Hostile servers (Node, ws, real HTTP and discovery on 127.0.0.1)',
    rows: [
      {
        measured: 'Discovery names B; B answers 403 to the upgrade and to GET: handshakes on B in 10 s',
        figure: `${integer(refused.handshakes)} (failed with status ${refused.failedWith ?? 'none'})`,
        goal: '1, failed with 403',
        pass: refused.handshakes === 1 && refused.failedWith === 403,
      },
      {
        measured: 'B answers 503 + Retry-After: 3 for 6 s: requests of any kind in the 6 s (handshakes on B)',
        figure: `${integer(busy.attempts)} (${integer(busy.handshakes)})`,
        goal: '≤ 5 (1)',
        pass: busy.attempts <= 5 && busy.handshakes === 1,
      },
      {
        measured: 'Same: shortest gap between requests after the first 503 answer from a GET',
        figure:
          busy.shortestGapAfterFirstAnswer === undefined ? '—' : `${integer(busy.shortestGapAfterFirstAnswer)} ms`,
        goal: '≥ 3,000 ms',
        pass: busy.shortestGapAfterFirstAnswer === undefined ? null : busy.shortestGapAfterFirstAnswer >= 3000,
      },
      {
        measured:
          'Server accepts and closes with 4401 after 10 ms, maxRetries 2: refreshAuth calls in 3 s (retries at 0 ms)',
        figure: `${integer(auth.refreshes)} (${integer(auth.zeroDelays)}), ends ${auth.state}`,
        goal: '1, failed',
        pass: auth.refreshes === 1 && auth.state === 'failed',
      },
    ],
    notes: [
      'The 403 and 503 rows count requests at the server: WebSocket upgrades on B, GETs on B (probes) and discovery GETs.',
      'Before the hardening (commit 6229ac1, measured with BENCH_DIST): 8 handshakes and no status for the 403; ' +
        '12 requests (6 handshakes) as little as 7 ms apart for the 503; 99 refreshAuth calls, every retry at 0 ms, maxRetries ignored.',
    ],
  };
}
