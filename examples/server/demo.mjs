// Demo server for resilient-ws: origin A serves the example pages, discovery and a control API; a fleet
// of WebSocket backends ("a", "b", "c", each its own origin) share chat rooms and a price feed through a
// bus, and can be killed, drained, silenced, made to hang or to answer HTTP errors on demand.

import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createBackend } from './backend.mjs';
import { createFleet } from './fleet.mjs';
import {
  CORS,
  ControlError,
  closeServer,
  expectBoolean,
  HOST,
  isGetLike,
  listen,
  matchRedirect,
  noop,
  PREFLIGHT,
  rawHttpResponse,
  readBody,
  sendHtml,
  sendJson,
  sendMethodNotAllowed,
  sendText,
  serveStatic,
  sessionCookie,
  trackSockets,
} from './http.mjs';
import { createHub } from './hub.mjs';
import { indexPage } from './page.mjs';

const NAMES = ['a', 'b', 'c'];
const DEFAULT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts origin A and the backends on 127.0.0.1.
 * @param {{ port?: number, backendPorts?: number[] | { a?: number, b?: number, c?: number },
 *   root?: string, redisUrl?: string }} [options]
 *   `port` 0 picks random ports for everything; a fixed `port` puts the backends on port+1, +2 and +3 unless
 *   `backendPorts` says otherwise. `root` is the repository root (its `examples/` and `dist/` are served).
 *   `redisUrl` makes the backends share Redis (pub/sub, dedup, seqs) instead of this process's memory.
 * @returns {Promise<{ url: string, control: object, close: () => Promise<void> }>}
 */
export async function startDemo({ port = 0, backendPorts, root = DEFAULT_ROOT, redisUrl = '' } = {}) {
  const hub = createHub();
  const fleet = await createFleet({ redisUrl });
  const ports = resolveBackendPorts(port, backendPorts);
  const backends = Object.fromEntries(NAMES.map((name, i) => [name, createBackend(name, ports[i], hub, fleet)]));
  let current = 'a';
  let closing = null;

  const mainSockets = new Set();
  const main = http.createServer();
  trackSockets(main, mainSockets);

  try {
    for (const backend of Object.values(backends)) await backend.start();
    await listen(main, port);
  } catch (error) {
    await shutdown();
    throw error;
  }
  const url = `http://${HOST}:${main.address().port}`;

  /** The backend that discovery, negotiate and redirects point at: the current one, else the first one up. */
  function pick() {
    const usable = (backend) => backend.alive && !backend.draining;
    if (usable(backends[current])) return backends[current];
    return Object.values(backends).find(usable) ?? null;
  }

  function backendOf(name) {
    const backend = backends[name];
    if (!backend) throw new ControlError(`unknown backend ${JSON.stringify(name)} (expected one of ${NAMES})`);
    return backend;
  }

  // Drains `name` as a deploy would: discovery skips it, new upgrades get 503, its clients are closed with 1012
  // (Service Restart) and get a second to go; then it restarts on the same port with empty stream buffers.
  async function drainAndRestart(name) {
    const backend = backendOf(name);
    if (!backend.alive) return backend.start();
    backend.draining = true;
    try {
      const gone = [...backend.clients].map((client) => new Promise((resolve) => client.ws.once('close', resolve)));
      backend.closeAll(1012, 'restarting');
      const grace = new Promise((resolve) => setTimeout(resolve, 1000).unref());
      await Promise.race([Promise.all(gone), grace]);
      await backend.kill();
      await backend.start();
    } finally {
      backend.draining = false;
    }
  }

  function status() {
    return {
      url,
      current,
      target: pick()?.name ?? null,
      backends: Object.fromEntries(NAMES.map((name) => [name, backends[name].describe()])),
      symbols: hub.describeSymbols(),
      fleet: fleet.describe(),
    };
  }

  const control = {
    async kill(name) {
      await backendOf(name).kill();
      return status();
    },
    async restart(name) {
      await backendOf(name).start();
      return status();
    },
    silence(name, on = true) {
      backendOf(name).setSilenced(expectBoolean('on', on));
      return status();
    },
    async closeAll(name, code = 1000, reason = '') {
      backendOf(name).closeAll(code, reason);
      return status();
    },
    setStatus(name, httpStatus, retryAfter) {
      backendOf(name).setStatus(httpStatus ?? null, retryAfter);
      return status();
    },
    hang(name, on = true) {
      backendOf(name).setHang(expectBoolean('on', on));
      return status();
    },
    /** Drains and restarts one backend (see drainAndRestart). */
    async drain(name) {
      await drainAndRestart(name);
      return status();
    },
    /** Drains and restarts every backend in turn, one at a time, as a rolling deploy does. */
    async rollingRestart() {
      for (const name of NAMES) await drainAndRestart(name);
      return status();
    },
    switchTo(name) {
      backendOf(name);
      current = name;
      return status();
    },
    /** Zeroes the upgrade counters, so a test can assert on the attempts it caused itself. */
    resetCounts() {
      for (const backend of Object.values(backends)) backend.upgrades = backend.delivered = backend.duplicates = 0;
      return status();
    },
    /** Back to the starting state: every backend alive and well, "a" current, counters at zero. */
    async reset() {
      for (const backend of Object.values(backends)) {
        backend.setSilenced(false);
        backend.setHang(false);
        backend.setStatus(null);
        backend.dropHung();
        await backend.start();
        backend.upgrades = backend.delivered = backend.duplicates = 0;
      }
      current = 'a';
      return status();
    },
    status,
    backendUrl: (name) => `ws://${HOST}:${backendOf(name).port}/ws`,
    httpUrl: (name) => `http://${HOST}:${backendOf(name).port}/ws`,
  };

  // POST /control bodies map onto the control methods.
  const actions = {
    kill: (body) => control.kill(body.backend),
    restart: (body) => control.restart(body.backend),
    silence: (body) => control.silence(body.backend, body.on ?? true),
    closeAll: (body) => control.closeAll(body.backend, body.code ?? 1000, body.reason ?? ''),
    setStatus: (body) => control.setStatus(body.backend, body.status ?? null, body.retryAfter),
    hang: (body) => control.hang(body.backend, body.on ?? true),
    switch: (body) => control.switchTo(body.backend),
    drain: (body) => control.drain(body.backend),
    rollingRestart: () => control.rollingRestart(),
    resetCounts: () => control.resetCounts(),
    reset: () => control.reset(),
    status: () => control.status(),
  };

  main.on('request', (req, res) => {
    handleMain(req, res).catch((error) => {
      if (!res.headersSent) sendText(res, 500, `Internal error: ${error.message}\n`);
      else res.destroy();
    });
  });

  async function handleMain(req, res) {
    const pathname = req.url.split(/[?#]/)[0];
    // Every browser that loads a page gets its session, which its WebSocket upgrades then carry.
    const cookie = sessionCookie(req);
    if (cookie) res.setHeader('Set-Cookie', cookie);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, PREFLIGHT).end();
      return;
    }
    if (pathname === '/discovery' || pathname === '/negotiate') {
      if (pathname === '/discovery' && !isGetLike(req)) return sendMethodNotAllowed(res, 'GET, HEAD, OPTIONS');
      if (pathname === '/negotiate' && !isGetLike(req) && req.method !== 'POST') {
        return sendMethodNotAllowed(res, 'GET, POST, OPTIONS');
      }
      req.resume(); // a negotiate POST body is accepted and ignored
      const target = pick();
      if (!target) return sendJson(res, 503, { error: 'no backend is up' }, { 'Retry-After': '2' });
      const wsUrl = `ws://${HOST}:${target.port}/ws`;
      const body = pathname === '/discovery' ? { url: wsUrl, maxAge: 30 } : { url: wsUrl, accessToken: 'demo-token' };
      return sendJson(res, 200, body);
    }
    const redirect = matchRedirect(pathname);
    if (redirect !== undefined) {
      req.resume();
      const answer = redirectAnswer(redirect);
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    if (pathname === '/status') {
      if (!isGetLike(req)) return sendMethodNotAllowed(res, 'GET, HEAD, OPTIONS');
      return sendJson(res, 200, status());
    }
    if (pathname === '/control') {
      if (req.method !== 'POST') return sendMethodNotAllowed(res, 'POST, OPTIONS');
      return handleControl(req, res);
    }
    if (!isGetLike(req)) return sendMethodNotAllowed(res, 'GET, HEAD, OPTIONS');
    if (pathname === '/' || pathname === '/index.html') {
      return sendHtml(res, req, indexPage(NAMES.map((name) => [name, control.backendUrl(name)])));
    }
    return serveStatic(req, res, root);
  }

  async function handleControl(req, res) {
    let body;
    try {
      body = JSON.parse(await readBody(req, 64 * 1024));
    } catch {
      return sendJson(res, 400, { error: 'expected a JSON body like {"action":"kill","backend":"a"}' });
    }
    const action = actions[body?.action];
    if (!action) {
      return sendJson(res, 400, {
        error: `unknown action ${JSON.stringify(body?.action)}`,
        actions: Object.keys(actions),
      });
    }
    try {
      return sendJson(res, 200, await action(body));
    } catch (error) {
      if (error instanceof ControlError) return sendJson(res, 400, { error: error.message });
      throw error;
    }
  }

  /** The 3xx answer for /redirect/:code/ws, or why there is none; shared by plain GETs and upgrades. */
  function redirectAnswer(code) {
    if (code === null) return { status: 404, headers: { ...CORS }, body: 'Unknown redirect code\n' };
    const target = pick();
    if (!target) return { status: 503, headers: { ...CORS, 'Retry-After': '2' }, body: 'No backend is up\n' };
    // The http twin of the WebSocket URL: what a real load balancer or auth gateway would send.
    const location = `http://${HOST}:${target.port}/ws`;
    return { status: code, headers: { ...CORS, Location: location, 'Cache-Control': 'no-store' }, body: '' };
  }

  // A browser's native WebSocket fails on any 3xx to the handshake; answering one here is what the demo shows.
  main.on('upgrade', (req, socket) => {
    socket.on('error', noop);
    const redirect = matchRedirect(req.url.split(/[?#]/)[0]);
    if (redirect === undefined) {
      rawHttpResponse(socket, 404, CORS, 'No WebSocket here; the backends listen on their own ports\n');
      return;
    }
    const answer = redirectAnswer(redirect);
    rawHttpResponse(socket, answer.status, answer.headers, answer.body);
  });

  async function shutdown() {
    hub.stop();
    const closedMain = closeServer(main);
    for (const socket of mainSockets) socket.destroy();
    await Promise.all([closedMain, ...Object.values(backends).map((backend) => backend.destroy())]);
    await fleet.close();
  }

  return {
    url,
    control,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}

/** The backends' ports: as given, else port+1, +2, +3 after a fixed `port`, else any free ones. */
function resolveBackendPorts(port, backendPorts) {
  if (Array.isArray(backendPorts)) return NAMES.map((_, i) => backendPorts[i] ?? 0);
  if (backendPorts && typeof backendPorts === 'object') return NAMES.map((name) => backendPorts[name] ?? 0);
  return NAMES.map((_, i) => (port ? port + i + 1 : 0));
}
