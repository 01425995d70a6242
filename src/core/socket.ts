// The native socket's edges: creating one (a constructor that throws becomes an outcome, its
// message redacted), letting go of one, and the close event for a socket the client gave up on.

import type { WebSocketConstructor } from './options';
import type { Outcome } from './policy';
import { redactError } from './redact';

const noop = () => {};

/** A new socket, or the `exception` outcome when the constructor threw (a blocked port, a bad URL). */
export function createSocket(
  WebSocketClass: WebSocketConstructor,
  url: string,
  protocols?: string | string[],
): WebSocket | Outcome {
  try {
    return new WebSocketClass(url, protocols) as WebSocket;
  } catch (error) {
    // Its message may quote the URL, secrets and all; the outcome reaches events and stats.
    return { type: 'exception', error: redactError(error) };
  }
}

/** Stops listening to `socket`, and closes it when `code` is given; one that cannot even close is gone anyway. */
export function release(socket: WebSocket | undefined, close?: boolean, code?: number, reason?: string): void {
  if (!socket) return;
  socket.onopen = socket.onmessage = socket.onclose = null;
  // Not null: the `ws` package throws an error event that has no listener (closing while
  // connecting emits one), and a socket being dropped must not crash a Node process.
  socket.onerror = noop;
  try {
    if (close) socket.close(code, reason);
  } catch {}
}

/** The close event for a socket the client abandoned itself; the browser fires its own late or never. */
export function closeEvent(code: number, reason: string): CloseEvent {
  const init = { code, reason, wasClean: false };
  return typeof CloseEvent === 'function'
    ? new CloseEvent('close', init)
    : (Object.assign(new Event('close'), init) as CloseEvent);
}
