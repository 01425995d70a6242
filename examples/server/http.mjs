// HTTP plumbing shared by the demo's origin and its backends: CORS headers, plain and JSON answers,
// raw answers to upgrade requests, static files, and small validators for the control API.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

export const HOST = '127.0.0.1';
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

// Every answer carries these so the example pages (and the client's fetch-based probes) can read statuses
// and Retry-After across origins.
export const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After',
};
export const PREFLIGHT = {
  ...CORS,
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  // A wildcard does not cover Authorization (Fetch standard), which a preflight of ws://user:pass@… sends.
  'Access-Control-Allow-Headers': 'Authorization, *',
  'Access-Control-Max-Age': '600',
};

// The demo's stand-in for authentication: the origin gives each browser a random session id in an
// HttpOnly cookie, which the browser sends on every WebSocket upgrade to the backends (cookies are
// per host, not per port). It is never shown to a page or published, so nobody else can present it.
const SESSION_COOKIE = 'demo-session';
const SESSION = /^[\w-]{16,64}$/;

/** The Set-Cookie header that gives a browser its session, or undefined if the request has one. */
export function sessionCookie(req) {
  if (cookieSession(req)) return undefined;
  return `${SESSION_COOKIE}=${randomBytes(16).toString('hex')}; HttpOnly; SameSite=Lax; Path=/`;
}

function cookieSession(req) {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = pair.trim().split('=');
    if (name === SESSION_COOKIE && SESSION.test(value ?? '')) return value;
  }
}

/**
 * Who a connection is, for the delivery endpoint's `scope`: a hash of its session (from the cookie,
 * or `?session=` for clients without cookies, such as the self-check), so message ids are unique
 * only per session and no other user can claim them. Without a session, the connection is a scope
 * of its own (exactly once then holds within that connection only). `author` is a short public
 * name for the session, shown with its chat messages.
 */
export function identify(req) {
  const query = new URL(req.url, 'http://demo').searchParams.get('session') ?? '';
  const session = cookieSession(req) ?? (SESSION.test(query) ? query : `connection:${randomUUID()}`);
  const scope = createHash('sha256').update(session).digest('hex');
  return { scope, author: scope.slice(0, 6) };
}

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
export class ControlError extends Error {}

export const noop = () => {};

export function isName(value) {
  return typeof value === 'string' && value.length > 0 && value.length <= 64;
}

export function expectBoolean(label, value) {
  if (typeof value !== 'boolean') throw new ControlError(`${label} must be true or false, got ${value}`);
  return value;
}

/** Close codes an endpoint may send (RFC 6455 section 7.4), which is also what `ws` accepts. */
export function isValidCloseCode(code) {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/** `undefined` when the path is not a redirect route, `null` for an unsupported code, else the code. */
export function matchRedirect(pathname) {
  const match = /^\/redirect\/(\d{3})\/ws$/.exec(pathname);
  if (!match) return undefined;
  const code = Number(match[1]);
  return REDIRECT_CODES.has(code) ? code : null;
}

export function isGetLike(req) {
  return req.method === 'GET' || req.method === 'HEAD';
}

export function trackSockets(server, sockets) {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
}

export function listen(server, port) {
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
export function closeServer(server) {
  return new Promise((resolve) => server.close(() => resolve()));
}

export function sendText(res, status, text, headers = {}) {
  res.writeHead(status, {
    ...CORS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export function sendJson(res, status, value, headers = {}) {
  const text = `${JSON.stringify(value)}\n`;
  sendText(res, status, text, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}

export function sendHtml(res, req, html) {
  res.writeHead(200, {
    ...CORS,
    'Content-Type': CONTENT_TYPES['.html'],
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}

export function sendMethodNotAllowed(res, allow) {
  res.req.resume();
  sendText(res, 405, 'Method not allowed\n', { Allow: allow });
}

/** Answers an upgrade request with a plain HTTP response, then drops the socket, as a proxy refusing it would. */
export function rawHttpResponse(socket, status, headers, body = '') {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const all = {
    'Content-Type': 'text/plain; charset=utf-8',
    ...headers,
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  };
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}`];
  for (const [key, value] of Object.entries(all)) lines.push(`${key}: ${value}`);
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

export function readBody(req, limit) {
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
export async function serveStatic(req, res, root) {
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
