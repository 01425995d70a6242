// Small clients for the demo's self-checks: plain HTTP requests, WebSocket opens and refusals, and
// waiting for a matching message or a close.

import http from 'node:http';
import { WebSocket } from 'ws';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A plain HTTP request without a keep-alive agent, so the check itself leaves no sockets behind. */
export function request(url, { method = 'GET', path, body, headers = {} } = {}) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: path ?? target.pathname + target.search,
        method,
        headers,
        agent: false,
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function postControl(url, body) {
  return request(`${url}/control`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
}

export function open(url, options) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
  });
}

/** Resolves with the HTTP response a WebSocket handshake got instead of a 101. */
export function handshakeRefusal(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { followRedirects: false });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the handshake unexpectedly succeeded'));
    });
    ws.once('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode, headers: res.headers });
      req.destroy();
    });
    ws.on('error', () => {}); // destroying the request above reports an error we do not care about
  });
}

export function handshakeError(url, options) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the handshake unexpectedly succeeded'));
    });
    ws.once('error', resolve);
  });
}

export function nextMessage(ws, predicate = () => true, timeout = 2000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error('no matching message in time'));
    }, timeout);
    function onMessage(data) {
      const text = data.toString();
      let value = text;
      try {
        value = JSON.parse(text);
      } catch {}
      if (!predicate(value)) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(value);
    }
    ws.on('message', onMessage);
  });
}

export function closed(ws) {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}
