// The core client: the WebSocket-compatible surface over the lifecycle engine (lifecycle.ts):
// send and the queue, connect, reconnect, close, and the state and socket properties.

import { dev } from './dev';
import { InvalidArgumentError, unexpected } from './errors';
import type { SendResult, Stats } from './events';
import { Lifecycle } from './lifecycle';
import { type CoreOptions, normalizeCoreOptions } from './options';
import { assertSendData, byteSize, type SendData } from './queue';
import { toWebSocketUrl } from './url';

// RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the close code.
const maxCloseReasonBytes = 123;

/**
 * The minimal resilient WebSocket: the lifecycle, backoff, the close-code policy, the bounded
 * queue, the connect timeout, the WebSocket-compatible surface and typed events. Everything else
 * is a feature passed in `features`.
 *
 * ```ts
 * const ws = new CoreWebSocket('wss://example.com/feed', { features: [heartbeat(), network()] });
 * ```
 */
export class CoreWebSocket extends Lifecycle {
  /**
   * @param url ws:, wss:, or their http:/https: twins (relative URLs resolve against the page).
   *   Userinfo (`wss://user:password@host/`) is kept for the handshake, which sends it as Basic
   *   credentials when the server asks, as the native WebSocket does; preflight requests go to the
   *   URL without it and send it as `Authorization: Basic` (fetch refuses such a URL). `''` when
   *   a feature (a resolver) finds the endpoint.
   * @param protocols subprotocols, as for `WebSocket`; or the options, when there are none.
   * @param options see {@link CoreOptions}.
   * @throws InvalidArgumentError for a bad URL or option, or when no WebSocket exists.
   */
  constructor(url: string | URL, protocols?: string | string[] | CoreOptions, options?: CoreOptions) {
    const given = typeof protocols === 'object' && !Array.isArray(protocols) ? protocols : { ...options, protocols };
    const normalized = normalizeCoreOptions(given);
    const base = (globalThis as { location?: Location }).location?.href;
    super(url === '' ? '' : toWebSocketUrl(url, base), normalized);
  }

  /** A copy of the counters. */
  get stats(): Stats {
    return { ...this.counters };
  }

  /**
   * The URL of the current or last attempt: the endpoint as given (http(s) mapped to ws(s)), or
   * where resolution led. `''` before a resolver has answered. It is where the handshake was sent:
   * WebKit follows a redirect on the handshake without telling script, so there the connection
   * may have ended up elsewhere. Unlike every event and error, it is NOT redacted: it may carry a
   * token; redact it (`redactUrl`) before logging it.
   */
  get url(): string {
    return this.lastUrl;
  }

  /**
   * As `WebSocket.readyState`: `CONNECTING` (0) while idle, resolving, connecting, waiting to
   * reconnect, offline or suspended; `OPEN` (1) when open; `CLOSING` (2) after `close()` until the
   * socket has closed; `CLOSED` (3) when closed or failed.
   */
  get readyState(): 0 | 1 | 2 | 3 {
    const state = this.state;
    return state === 'open' ? 1 : state === 'closing' ? 2 : state === 'closed' || state === 'failed' ? 3 : 0;
  }

  /** The subprotocol the server chose for the current connection, or `''`. */
  get protocol(): string {
    return this.socket?.protocol ?? '';
  }

  /** The extensions the server chose for the current connection, or `''`. */
  get extensions(): string {
    return this.socket?.extensions ?? '';
  }

  /** Bytes not yet on the wire: the socket's buffer plus the queue. */
  get bufferedAmount(): number {
    return (this.socket?.bufferedAmount ?? 0) + this.queue.bytes;
  }

  /** As `WebSocket.binaryType`; applied to every new socket. */
  get binaryType(): 'blob' | 'arraybuffer' {
    return this.chosenBinaryType ?? this.socket?.binaryType ?? 'blob';
  }

  set binaryType(type: 'blob' | 'arraybuffer') {
    if (type !== 'blob' && type !== 'arraybuffer') {
      throw new InvalidArgumentError('binaryType', unexpected(dev ? "'blob' or 'arraybuffer'" : '', type));
    }
    this.chosenBinaryType = type;
    if (this.socket) this.socket.binaryType = type;
  }

  /**
   * Sends `data` now when open, else queues it (see `maxQueuedMessages`, `maxQueuedBytes`,
   * `queueOverflow`). With `lazy`, the first send connects. Never drops silently: a message not
   * kept raises `drop` and returns `'dropped'`.
   * @throws InvalidArgumentError when `data` is not a string, ArrayBuffer, view or Blob.
   */
  send(data: SendData): SendResult {
    assertSendData(data);
    try {
      return this.#send(data);
    } finally {
      this.drain();
    }
  }

  #send(data: SendData): SendResult {
    // A feature may hold a message back (a heartbeat past its deadline ends the connection first).
    if (this.state === 'open' && this.features.every((feature) => feature.send?.(data) !== false)) {
      this.socket?.send(data);
      return 'sent';
    }
    const state = this.state;
    // A drop listener's own sends are reported by their result only, and never evict others:
    // a listener that re-sends what was dropped cannot loop forever.
    const quiet = this.dropping;
    // After close() or a failure nothing would ever send a queued message: say so now.
    if (state === 'closing' || state === 'closed' || state === 'failed') {
      if (!quiet) this.raise('drop', { data, reason: state === 'failed' ? 'failed' : 'closed' });
      return 'dropped';
    }
    const dropped = this.queue.push(data, quiet ? 'reject' : undefined);
    for (const message of dropped) if (!quiet) this.raise('drop', { data: message, reason: 'overflow' });
    if (state === 'idle') this.input('connect');
    return dropped[0] === data ? 'dropped' : dropped.length ? 'queued-dropped-oldest' : 'queued';
  }

  /**
   * Starts connecting when idle (see `lazy`), or starts over after `close()` or a failure, or
   * from `offline` and `suspended`. Does nothing while resolving, connecting, open or waiting.
   */
  connect(): void {
    this.input('connect');
    this.drain();
  }

  /**
   * Drops the current connection or wait and connects again now, with the retry count reset.
   * Does nothing after `close()`: only `connect()` starts over from there.
   */
  reconnect(): void {
    this.input('reconnect');
    this.drain();
  }

  /**
   * Closes for good: no reconnect, and after the socket's `close` event no timer, listener or
   * socket is left. Queued messages are dropped, each with a `drop` event. `connect()` starts over.
   * @param code 1000 or 3000–4999, as the native API requires.
   * @param reason at most 123 bytes of UTF-8.
   * @throws InvalidArgumentError for any other code or a longer reason; nothing is closed then.
   */
  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
      throw new InvalidArgumentError('close(code)', unexpected(dev ? '1000 or an integer in 3000-4999' : '', code));
    }
    if (reason !== undefined && byteSize(String(reason)) > maxCloseReasonBytes) {
      throw new InvalidArgumentError('close(reason)', `longer than ${maxCloseReasonBytes} bytes of UTF-8`);
    }
    this.input('close', { code: code ?? 1000, reason });
    this.drain();
  }
}
