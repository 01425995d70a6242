// Demo server for resilient-ws: origin A serves the example pages and a control API; two WebSocket
// backends ("a" and "b", origins B and C) can be killed, silenced, made to hang or to answer HTTP errors on demand.

import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

const HOST = '127.0.0.1';
const NAMES = ['a', 'b'];
const TICK_MS = 250;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Every answer carries these so the example pages (and the client's fetch-based probes) can read statuses
// and Retry-After across origins.
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After',
};
const PREFLIGHT = {
  ...CORS,
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Max-Age': '600',
};

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** An error whose message is safe to show to the caller of the control API (answered as 400). */
class ControlError extends Error {}

const noop = () => {};

/**
 * Starts origin A and both backends on 127.0.0.1.
 * @param {{ port?: number, backendPorts?: number[] | { a?: number, b?: number }, root?: string }} [options]
 *   `port` 0 picks random ports for everything; a fixed `port` puts the backends on port+1 and port+2 unless
 *   `backendPorts` says otherwise. `root` is the repository root (its `examples/` and `dist/` are served).
 * @returns {Promise<{ url: string, control: object, close: () => Promise<void> }>}
 */
export async function startDemo({ port = 0, backendPorts, root = DEFAULT_ROOT } = {}) {
  const hub = createHub();
  const ports = resolveBackendPorts(port, backendPorts);
  const backends = Object.fromEntries(NAMES.map((name, i) => [name, createBackend(name, ports[i], hub)]));
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

  /** The backend that discovery, negotiate and redirects point at: the current one, else the other if alive. */
  function pick() {
    const preferred = backends[current];
    if (preferred.alive) return preferred;
    const other = backends[current === 'a' ? 'b' : 'a'];
    return other.alive ? other : null;
  }

  function backendOf(name) {
    const backend = backends[name];
    if (!backend) throw new ControlError(`unknown backend ${JSON.stringify(name)} (expected "a" or "b")`);
    return backend;
  }

  function status() {
    return {
      url,
      current,
      target: pick()?.name ?? null,
      backends: Object.fromEntries(NAMES.map((name) => [name, backends[name].describe()])),
      symbols: hub.describeSymbols(),
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
    switchTo(name) {
      backendOf(name);
      current = name;
      return status();
    },
    /** Zeroes the upgrade counters, so a test can assert on the attempts it caused itself. */
    resetCounts() {
      for (const backend of Object.values(backends)) backend.upgrades = 0;
      return status();
    },
    /** Back to the starting state: both backends alive and well, "a" current, counters at zero. */
    async reset() {
      for (const backend of Object.values(backends)) {
        backend.setSilenced(false);
        backend.setHang(false);
        backend.setStatus(null);
        backend.dropHung();
        await backend.start();
        backend.upgrades = 0;
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
    if (pathname === '/' || pathname === '/index.html') return sendHtml(res, req, indexPage());
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

  function indexPage() {
    const backendList = NAMES.map((name) => `<li>Backend ${name}: <code>${control.backendUrl(name)}</code></li>`);
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>resilient-ws demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}</style>
</head>
<body>
<h1>resilient-ws demo</h1>
<p>Each example connects to the two backends below, which you can kill, silence or break from the page.</p>
<ul>
<li><a href="/examples/chat/">Chat</a>: messages sent while disconnected are queued and delivered on reconnect.</li>
<li><a href="/examples/trading/">Trading</a>: ticker subscriptions resume after a reconnect, with a visible gap.</li>
</ul>
<h2>Backends</h2>
<ul>
${backendList.join('\n')}
</ul>
<p>State: <a href="/status"><code>GET /status</code></a>. Switches: <code>POST /control</code>.</p>
</body>
</html>
`;
  }

  async function shutdown() {
    hub.stop();
    const closedMain = closeServer(main);
    for (const socket of mainSockets) socket.destroy();
    await Promise.all([closedMain, ...Object.values(backends).map((backend) => backend.destroy())]);
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

// ---------------------------------------------------------------------------------------------------------------
// Shared state of both backends: who is in which chat room, and the ticker.

function createHub() {
  const clients = new Set();
  const symbols = new Map();
  let timer = null;
  let stopped = false;

  function deliver(client, message) {
    if (client.backend.silenced || client.ws.readyState !== WebSocket.OPEN) return;
    client.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  function symbolState(symbol) {
    let state = symbols.get(symbol);
    if (!state) {
      state = { price: initialPrice(symbol), seq: 0 };
      symbols.set(symbol, state);
      // Symbols keep ticking whether or not anyone listens, so a client that was away sees a gap in seq.
      if (!stopped) timer ??= setInterval(tick, TICK_MS);
    }
    return state;
  }

  function tick() {
    for (const [symbol, state] of symbols) {
      state.seq += 1;
      state.price = Math.max(1, Math.round(state.price * (1 + (Math.random() - 0.5) * 0.004) * 100) / 100);
      const message = JSON.stringify({ type: 'tick', symbol, price: state.price, seq: state.seq });
      for (const client of clients) if (client.symbols.has(symbol)) deliver(client, message);
    }
  }

  return {
    clients,
    deliver,
    symbolState,
    add(client) {
      clients.add(client);
    },
    remove(client) {
      clients.delete(client);
    },
    broadcast(room, message) {
      const text = JSON.stringify(message);
      for (const client of clients) if (client.rooms.has(room)) deliver(client, text);
    },
    describeSymbols() {
      return Object.fromEntries([...symbols].map(([symbol, state]) => [symbol, { ...state }]));
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      timer = null;
    },
  };
}

/** A stable, symbol-dependent starting price, so reloading the demo shows familiar numbers. */
function initialPrice(symbol) {
  let hash = 0;
  for (const char of symbol) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 50 + (hash % 15000) / 100;
}

// ---------------------------------------------------------------------------------------------------------------
// One backend: an HTTP server (its own origin) with a WebSocket endpoint on /ws and a set of failure switches.

function createBackend(name, initialPort, hub) {
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: 1024 * 1024 });
  const sockets = new Set(); // every TCP connection, so kill() can drop them all
  const hung = new Set(); // upgrades that the hang switch keeps unanswered
  let server = null;
  let starting = null;
  let stopping = null;

  const backend = {
    name,
    port: initialPort,
    alive: false,
    silenced: false,
    hang: false,
    status: null,
    retryAfter: null,
    upgrades: 0,
    clients: new Set(),

    async start() {
      if (stopping) await stopping;
      if (server) return starting;
      server = http.createServer();
      trackSockets(server, sockets);
      server.on('request', onRequest);
      server.on('upgrade', onUpgrade);
      const listening = server;
      starting = listen(listening, backend.port).then(
        (port) => {
          backend.port = port; // keep the port of the first start, so restarts come back where clients expect
          backend.alive = true;
        },
        (error) => {
          if (server === listening) server = null;
          throw error;
        },
      );
      return starting;
    },

    async kill() {
      if (starting) await starting.catch(noop);
      if (!server) return stopping ?? undefined;
      const closing = closeServer(server);
      server = null;
      starting = null;
      backend.alive = false;
      for (const client of backend.clients) {
        client.ws.terminate();
        hub.remove(client);
      }
      backend.clients.clear();
      backend.dropHung();
      for (const socket of sockets) socket.destroy();
      stopping = closing.finally(() => {
        stopping = null;
      });
      return stopping;
    },

    async destroy() {
      await backend.kill();
      backend.dropHung();
      await new Promise((resolve) => wss.close(() => resolve()));
    },

    dropHung() {
      for (const socket of hung) socket.destroy();
      hung.clear();
    },

    setSilenced(on) {
      if (on === backend.silenced) return;
      backend.silenced = on;
      // Pausing the TCP socket means nothing is read, so neither messages nor protocol pings get an answer;
      // on resume the buffered input is processed as if the network had just been slow.
      for (const client of backend.clients) {
        if (on) client.ws.pause();
        else client.ws.resume();
      }
    },

    setHang(on) {
      backend.hang = on;
    },

    setStatus(httpStatus, retryAfter) {
      if (httpStatus !== null && !(Number.isInteger(httpStatus) && httpStatus >= 400 && httpStatus <= 599)) {
        throw new ControlError(`status must be an HTTP error status (400-599) or null, got ${httpStatus}`);
      }
      if (retryAfter !== undefined && retryAfter !== null) {
        const ok = (Number.isInteger(retryAfter) && retryAfter >= 0) || (typeof retryAfter === 'string' && retryAfter);
        if (!ok) throw new ControlError(`retryAfter must be whole seconds ≥ 0 or an HTTP date, got ${retryAfter}`);
      }
      backend.status = httpStatus;
      backend.retryAfter = httpStatus === null ? null : (retryAfter ?? null);
    },

    closeAll(code, reason) {
      if (!isValidCloseCode(code)) throw new ControlError(`invalid close code ${code}`);
      if (typeof reason !== 'string' || Buffer.byteLength(reason) > 123) {
        throw new ControlError('reason must be a string of at most 123 bytes');
      }
      for (const client of backend.clients) client.ws.close(code, reason);
    },

    describe() {
      let open = 0;
      for (const client of backend.clients) if (client.ws.readyState === WebSocket.OPEN) open += 1;
      return {
        port: backend.port,
        url: `ws://${HOST}:${backend.port}/ws`,
        httpUrl: `http://${HOST}:${backend.port}/ws`,
        alive: backend.alive,
        silenced: backend.silenced,
        hang: backend.hang,
        status: backend.status,
        retryAfter: backend.retryAfter,
        clients: open,
        upgrades: backend.upgrades,
        hung: hung.size,
      };
    },
  };

  function errorHeaders() {
    return backend.retryAfter === null ? { ...CORS } : { ...CORS, 'Retry-After': String(backend.retryAfter) };
  }

  function onRequest(req, res) {
    const pathname = req.url.split(/[?#]/)[0];
    if (req.method === 'OPTIONS') {
      res.writeHead(204, PREFLIGHT).end();
      return;
    }
    req.resume();
    if (pathname !== '/ws') return sendText(res, 404, 'Not found; the WebSocket endpoint is /ws\n');
    if (backend.status !== null) {
      return sendText(res, backend.status, `${backend.status} ${http.STATUS_CODES[backend.status] ?? ''}\n`, {
        ...errorHeaders(),
      });
    }
    // What a fetch() probe sees when the endpoint is healthy: it exists, it just wants a WebSocket.
    return sendText(res, 426, 'Upgrade Required: connect with a WebSocket\n', { Upgrade: 'websocket' });
  }

  function onUpgrade(req, socket, head) {
    backend.upgrades += 1;
    socket.on('error', noop);
    const pathname = req.url.split(/[?#]/)[0];
    if (pathname !== '/ws') return rawHttpResponse(socket, 404, CORS, 'Not found; the WebSocket endpoint is /ws\n');
    if (backend.hang) {
      // Accepted at TCP level, never answered: the client's connect timeout is the only way out.
      hung.add(socket);
      socket.on('close', () => hung.delete(socket));
      return;
    }
    if (backend.status !== null) {
      const reason = `${backend.status} ${http.STATUS_CODES[backend.status] ?? ''}\n`;
      return rawHttpResponse(socket, backend.status, errorHeaders(), reason);
    }
    wss.handleUpgrade(req, socket, head, onConnection);
  }

  function onConnection(ws) {
    if (!backend.alive) {
      ws.terminate();
      return;
    }
    const client = { ws, backend, rooms: new Set(), symbols: new Set() };
    backend.clients.add(client);
    hub.add(client);
    if (backend.silenced) ws.pause();
    ws.on('error', noop);
    ws.on('close', () => {
      backend.clients.delete(client);
      hub.remove(client);
    });
    ws.on('message', (data, isBinary) => onMessage(client, data, isBinary));
  }

  function onMessage(client, data, isBinary) {
    if (backend.silenced) return;
    if (isBinary) {
      if (client.ws.readyState === WebSocket.OPEN) client.ws.send(data, { binary: true });
      return;
    }
    const text = data.toString();
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      message = null;
    }
    const reply = (value) => hub.deliver(client, value);
    const fail = (error) => reply({ type: 'error', error, request: message });
    switch (message?.type) {
      case 'ping':
        return reply({ type: 'pong', id: message.id });
      case 'join':
        if (!isName(message.room)) return fail('join needs a room (a non-empty string)');
        client.rooms.add(message.room);
        return;
      case 'leave':
        client.rooms.delete(message.room);
        return;
      case 'chat': {
        if (!isName(message.room)) return fail('chat needs a room (a non-empty string)');
        if (typeof message.text !== 'string') return fail('chat needs a text');
        const { room, text: chatText, id } = message;
        hub.broadcast(room, { type: 'chat', room, text: chatText, id, backend: name });
        return;
      }
      case 'subscribe':
        if (!isName(message.symbol)) return fail('subscribe needs a symbol (a non-empty string)');
        hub.symbolState(message.symbol);
        client.symbols.add(message.symbol);
        return;
      case 'unsubscribe':
        client.symbols.delete(message.symbol);
        return;
      case 'snapshot': {
        if (!isName(message.symbol)) return fail('snapshot needs a symbol (a non-empty string)');
        const { price, seq } = hub.symbolState(message.symbol);
        return reply({ type: 'snapshot', symbol: message.symbol, price, seq });
      }
      default:
        // Anything else, JSON or not, comes back unchanged.
        return reply(text);
    }
  }

  return backend;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers.

function resolveBackendPorts(port, backendPorts) {
  if (Array.isArray(backendPorts)) return [backendPorts[0] ?? 0, backendPorts[1] ?? 0];
  if (backendPorts && typeof backendPorts === 'object') return [backendPorts.a ?? 0, backendPorts.b ?? 0];
  return port ? [port + 1, port + 2] : [0, 0];
}

function isName(value) {
  return typeof value === 'string' && value.length > 0 && value.length <= 64;
}

function expectBoolean(label, value) {
  if (typeof value !== 'boolean') throw new ControlError(`${label} must be true or false, got ${value}`);
  return value;
}

/** Close codes an endpoint may send (RFC 6455 section 7.4), which is also what `ws` accepts. */
function isValidCloseCode(code) {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/** `undefined` when the path is not a redirect route, `null` for an unsupported code, else the code. */
function matchRedirect(pathname) {
  const match = /^\/redirect\/(\d{3})\/ws$/.exec(pathname);
  if (!match) return undefined;
  const code = Number(match[1]);
  return REDIRECT_CODES.has(code) ? code : null;
}

function isGetLike(req) {
  return req.method === 'GET' || req.method === 'HEAD';
}

function trackSockets(server, sockets) {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (error) => reject(error);
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      resolve(server.address().port);
    });
  });
}

/** Resolves once the server has stopped listening and every connection it tracked is gone. */
function closeServer(server) {
  return new Promise((resolve) => server.close(() => resolve()));
}

function sendText(res, status, text, headers = {}) {
  res.writeHead(status, {
    ...CORS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function sendJson(res, status, value, headers = {}) {
  const text = `${JSON.stringify(value)}\n`;
  sendText(res, status, text, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}

function sendHtml(res, req, html) {
  res.writeHead(200, {
    ...CORS,
    'Content-Type': CONTENT_TYPES['.html'],
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}

function sendMethodNotAllowed(res, allow) {
  res.req.resume();
  sendText(res, 405, 'Method not allowed\n', { Allow: allow });
}

/** Answers an upgrade request with a plain HTTP response, then drops the socket, as a proxy refusing it would. */
function rawHttpResponse(socket, status, headers, body = '') {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const all = {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  };
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}`];
  for (const [key, value] of Object.entries(all)) lines.push(`${key}: ${value}`);
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Serves /examples/* and /dist/* from the repository; anything that could escape those folders is refused. */
async function serveStatic(req, res, root) {
  const rawPath = req.url.split(/[?#]/)[0];
  let decoded;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return sendText(res, 400, 'Bad path encoding\n');
  }
  if (decoded.includes('\0')) return sendText(res, 400, 'Bad path\n');
  // Checked on the decoded path, so `%2e%2e%2f` and backslashes are caught too.
  if (decoded.split(/[\\/]/).includes('..')) return sendText(res, 403, 'Forbidden\n');

  const match = /^\/(examples|dist)(\/.*)?$/.exec(decoded);
  if (!match) return sendText(res, 404, 'Not found\n');
  const base = path.resolve(root, match[1]);
  let file = path.resolve(base, `.${match[2] ?? '/'}`);
  if (file !== base && !file.startsWith(base + path.sep)) return sendText(res, 403, 'Forbidden\n');

  try {
    if ((await stat(file)).isDirectory()) {
      if (!rawPath.endsWith('/')) {
        // Relative links inside an example only work from the folder URL.
        const query = req.url.slice(rawPath.length);
        res.writeHead(301, { ...CORS, Location: `${rawPath}/${query}` }).end();
        return;
      }
      file = path.join(file, 'index.html');
    }
    const content = await readFile(file);
    res.writeHead(200, {
      ...CORS,
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': content.length,
      'Cache-Control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : content);
  } catch (error) {
    if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(error.code)) {
      const hint = match[1] === 'dist' ? ' (run `npm run build` first)' : '';
      return sendText(res, 404, `Not found${hint}\n`);
    }
    throw error;
  }
}
