// One demo backend: an HTTP server (its own origin) with a WebSocket endpoint on /ws served by the
// reference server (acks, dedup, stream resume), a set of failure switches, and the legacy messages.

import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import {
  CORS,
  ControlError,
  closeServer,
  HOST,
  identify,
  isName,
  isValidCloseCode,
  listen,
  noop,
  PREFLIGHT,
  rawHttpResponse,
  sendText,
  trackSockets,
} from './http.mjs';
import { handleLegacyMessage } from './hub.mjs';

/** The bus channel of the legacy chat messages ({type:"chat"}), so every backend's clients get them. */
const CHAT_CHANNEL = 'demo:chat';
/** Stream messages each backend keeps per stream for clients that resume. */
const BUFFER_SIZE = 500;
// The "answer 200" switch: a page for every GET and every upgrade, as from something that is not a
// WebSocket server (Chromium logs "Unexpected response code: 200"; script sees 1006).
const HTML = 'text/html; charset=utf-8';
const NOT_A_WEBSOCKET_PAGE = '<!doctype html><title>App</title><p>Not a WebSocket server: this is a page.</p>\n';

/**
 * Creates backend `name`, which starts listening on `initialPort` (0: any) when start() is called.
 * @param {string} name
 * @param {number} initialPort
 * @param {ReturnType<typeof import('./hub.mjs').createHub>} hub the legacy ticker state
 * @param {Awaited<ReturnType<typeof import('./fleet.mjs').createFleet>>} fleet the bus, dedup and publishers
 */
export function createBackend(name, initialPort, hub, fleet) {
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: 1024 * 1024 });
  const sockets = new Set(); // every TCP connection, so kill() can drop them all
  const hung = new Set(); // upgrades that the hang switch keeps unanswered
  let server = null;
  let starting = null;
  let stopping = null;
  let link = null; // this backend's connection to the fleet (its own Redis connections under REDIS_URL)
  let streams = null; // the stream buffers: lost on kill, like a real process's memory
  let stopChat = null;

  const backend = {
    name,
    port: initialPort,
    alive: false,
    silenced: false,
    hang: false,
    status: null,
    retryAfter: null,
    upgrades: 0,
    draining: false,
    /** Messages handed to the app (first copies), and copies acked as duplicates. */
    delivered: 0,
    duplicates: 0,
    clients: new Set(),

    async start() {
      if (stopping) await stopping;
      if (server) return starting;
      server = http.createServer();
      trackSockets(server, sockets);
      server.on('request', onRequest);
      server.on('upgrade', onUpgrade);
      const listening = server;
      starting = attach()
        .then(() => listen(listening, backend.port))
        .then(
          (port) => {
            backend.port = port; // keep the port of the first start, so restarts come back where clients expect
            backend.alive = true;
          },
          async (error) => {
            if (server === listening) server = null;
            await detach();
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
      stopping = Promise.all([closing, detach()]).finally(() => {
        stopping = null;
      });
      return stopping;
    },

    async destroy() {
      await backend.kill();
      backend.dropHung();
      await new Promise((resolve) => wss.close(() => resolve()));
      await link?.close();
      link = null;
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
      const valid = httpStatus === 200 || (Number.isInteger(httpStatus) && httpStatus >= 400 && httpStatus <= 599);
      if (httpStatus !== null && !valid) {
        throw new ControlError(
          `status must be 200 (a page), an HTTP error status (400-599) or null, got ${httpStatus}`,
        );
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
        draining: backend.draining,
        delivered: backend.delivered,
        duplicates: backend.duplicates,
        subscribers: streams?.subscribers() ?? {},
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
    if (backend.status === 200) return sendText(res, 200, NOT_A_WEBSOCKET_PAGE, { 'Content-Type': HTML });
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
    if (backend.draining) {
      // A draining backend takes no new clients; discovery already points elsewhere.
      return rawHttpResponse(socket, 503, { ...CORS, 'Retry-After': '1' }, 'Draining for a restart\n');
    }
    if (backend.status === 200) {
      // What a single-page app's fallback route, or a proxy that dropped the Upgrade header, answers.
      return rawHttpResponse(socket, 200, { ...CORS, 'Content-Type': HTML }, NOT_A_WEBSOCKET_PAGE);
    }
    if (backend.status !== null) {
      const reason = `${backend.status} ${http.STATUS_CODES[backend.status] ?? ''}\n`;
      return rawHttpResponse(socket, backend.status, errorHeaders(), reason);
    }
    wss.handleUpgrade(req, socket, head, onConnection);
  }

  function onConnection(ws, req) {
    if (!backend.alive) {
      ws.terminate();
      return;
    }
    const client = { ws, backend, hub, rooms: new Set(), symbols: new Set() };
    backend.clients.add(client);
    hub.add(client);
    if (backend.silenced) ws.pause();
    ws.on('error', noop);
    ws.on('close', () => {
      backend.clients.delete(client);
      hub.remove(client);
    });
    const reply = (value) => hub.deliver(client, value);
    const { scope, author } = identify(req);
    fleet.server.deliveryEndpoint(ws, {
      scope,
      dedup: link.dedup,
      streams,
      // Through the hub, so a silenced backend sends nothing, acks and stream messages included.
      send: (text) => hub.deliver(client, text),
      onMessage: (data, id) => onDelivered(data, id, author),
      onDuplicate: () => {
        backend.duplicates += 1;
      },
      onOther: (text, value) => {
        if (!backend.silenced) handleLegacyMessage(client, text, value, { reply, publishChat });
      },
      onBinary: (bytes) => {
        if (!backend.silenced && ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: true });
      },
      onInvalid: (error) => reply({ type: 'error', error }),
    });
  }

  /** Joins the fleet: stream buffers following the bus, and the legacy chat channel. */
  async function attach() {
    link ??= await fleet.connect();
    streams = await fleet.server.StreamHub.attach(link.bus, { bufferSize: BUFFER_SIZE });
    stopChat = await link.bus.subscribe(CHAT_CHANNEL, (text) => {
      const { room, message } = JSON.parse(text);
      const json = JSON.stringify(message);
      for (const client of backend.clients) if (client.rooms.has(room)) hub.deliver(client, json);
    });
  }

  async function detach() {
    const [hubToClose, chat] = [streams, stopChat];
    streams = null;
    stopChat = null;
    await Promise.all([hubToClose?.close(), chat?.()]);
  }

  function publishChat(room, message) {
    link.bus.publish(CHAT_CHANNEL, JSON.stringify({ room, message })).catch(noop);
  }

  /**
   * The app's handler for acknowledged messages: called once per id across the fleet. A chat
   * message {type:"chat",room,text} goes to the stream "room:<room>", seq assigned by the publisher,
   * with its author (a short name for the sender's session) and its id, by which the sender knows it
   * as its own: ids are random and scoped by session, so a published id tells nothing about the
   * sender's next ids, and a copy sent under it by someone else is that someone's own message. The
   * ack waits until it is published, so an acked message is never lost.
   */
  async function onDelivered(data, id, author) {
    backend.delivered += 1;
    if (data?.type === 'chat' && isName(data.room) && typeof data.text === 'string') {
      const message = { text: data.text.slice(0, 2000), id, author, backend: name };
      await link.publisher.publish(`room:${data.room}`, message);
    }
  }

  return backend;
}
