// The demo's legacy shared state, kept for the chat and trading pages: who watches which ticker
// symbol, with a tick every 250 ms and a seq per symbol (the price feed on the bus is separate).

import { WebSocket } from 'ws';
import { isName } from './http.mjs';

const TICK_MS = 250;

export function createHub() {
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

/**
 * The demo's own messages (ping, join/leave/chat, subscribe/unsubscribe/snapshot of a ticker symbol);
 * anything else is echoed. `message` is the parsed JSON, or undefined.
 */
export function handleLegacyMessage(client, text, message, { reply, publishChat }) {
  const { hub } = client;
  const fail = (error) => reply({ type: 'error', error, request: message ?? null });
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
      publishChat(room, { type: 'chat', room, text: chatText, id, backend: client.backend.name });
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
