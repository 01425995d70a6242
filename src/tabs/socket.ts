// A tab's socket when tabs share one connection: it looks like a WebSocket to the client (the core
// takes a WebSocket constructor), and speaks to the leader's hub over the channel. So a tab's
// queue, lifecycle and delivery feature work as over a socket of their own; when the leader goes
// away it closes with 1006, as a dropped socket does, and the client reconnects to the next one.

import type { TabChannel } from './channel';
import { type Frame, type FrameData, type Leadership, same } from './frames';

/** What a port needs of its tab: the channel, and the leadership it follows (undefined while none is known). */
export interface PortLink {
  readonly channel: TabChannel;
  leadership(): Leadership | undefined;
  /** Registers a port to hear its frames and leadership changes; returns what unregisters it. */
  register(port: TabSocket): () => void;
  /** A new port id, unique in this tab. */
  portId(): string;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

function closeEventOf(code: number, reason: string, wasClean: boolean): CloseEvent {
  const init = { code, reason, wasClean };
  return typeof CloseEvent === 'function'
    ? new CloseEvent('close', init)
    : (Object.assign(new Event('close'), init) as CloseEvent);
}

/** @internal A WebSocket-like port onto the connection the leader tab holds. */
export class TabSocket {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;
  readonly url: string;
  readonly id: string;
  readyState: number = CONNECTING;
  protocol = '';
  extensions = '';
  binaryType: BinaryType = 'blob';
  /** Always 0: what is sent is handed to the channel at once. */
  readonly bufferedAmount = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly #link: PortLink;
  readonly #protocols: string[];
  // The leadership this port dialled, and the last message number it took.
  #to?: Leadership;
  #n = 0;
  // While the open event runs: what the client sends then (resume, subscriptions, resends), posted as one `ready`.
  #batch?: FrameData[];
  #unregister: () => void;

  // Listeners added with addEventListener. Not inherited from EventTarget: some EventTargets
  // (happy-dom's) call `on<type>` members on dispatch too, which would call them twice.
  readonly #target = new EventTarget();

  constructor(link: PortLink, url: string, protocols?: string | string[]) {
    this.#link = link;
    this.url = url;
    this.id = link.portId();
    this.#protocols = protocols === undefined ? [] : ([] as string[]).concat(protocols);
    this.#unregister = link.register(this);
    this.#dial();
  }

  addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.#target.addEventListener(...args);
  }

  removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.#target.removeEventListener(...args);
  }

  dispatchEvent(event: Event): boolean {
    return this.#target.dispatchEvent(event);
  }

  /** Sends `data` through the leader. Throws while connecting, as a WebSocket does. */
  send(data: FrameData): void {
    if (this.readyState === CONNECTING) throw new DOMException('Still in CONNECTING state.', 'InvalidStateError');
    if (this.readyState !== OPEN) return;
    if (this.#batch) this.#batch.push(data);
    else this.#post({ type: 'send', port: this.id, data });
  }

  /** Closes this port; the connection stays for the other tabs. */
  close(code = 1000, reason = ''): void {
    if (code !== 1000 && !(code >= 3000 && code <= 4999))
      throw new DOMException(`The close code ${code} is neither 1000 nor in 3000-4999.`, 'InvalidAccessError');
    if (this.readyState >= CLOSING) return;
    if (this.#to) this.#post({ type: 'close', port: this.id, code, reason: String(reason).slice(0, 123) });
    this.readyState = CLOSING;
    // Closed in a later task, as a WebSocket's close event comes later.
    queueMicrotask(() => this.#end(code, String(reason), true));
  }

  /** @internal A frame from the channel (the link hands each port every frame). */
  hear(frame: Frame): void {
    if (!same(frame, this.#to) || this.readyState === CLOSED) return;
    switch (frame.type) {
      case 'open':
        if (frame.port !== this.id || this.readyState !== CONNECTING) return;
        return this.#open(frame.protocol, frame.extensions, frame.n);
      case 'message':
        if (this.readyState !== OPEN || frame.n <= this.#n) return;
        // A message missed (a frame that could not be cloned, a tab that stopped hearing): the
        // stream of messages is no longer whole, so the connection is lost, as a socket's would be.
        if (frame.n !== this.#n + 1) return this.#lose('missed messages');
        this.#n = frame.n;
        return this.#fire(new MessageEvent('message', { data: this.#binary(frame.data) }));
      case 'close':
        if (frame.port === this.id || frame.port === '*') this.#end(frame.code, frame.reason, frame.code !== 1006);
    }
  }

  /** @internal The leadership changed: a port of the old one is lost; a port still dialling dials the new one. */
  follow(leadership: Leadership | undefined): void {
    if (this.readyState === CLOSED || same(leadership, this.#to)) return;
    if (this.readyState === CONNECTING) return this.#dial();
    this.#lose('leader gone');
  }

  #dial(): void {
    this.#to = this.#link.leadership();
    if (this.#to) this.#post({ type: 'connect', port: this.id, url: this.url, protocols: this.#protocols });
  }

  #open(protocol: string, extensions: string, n: number): void {
    this.readyState = OPEN;
    this.protocol = protocol;
    this.extensions = extensions;
    this.#n = n;
    this.#batch = [];
    try {
      this.#fire(new Event('open'));
    } finally {
      const frames = this.#batch;
      this.#batch = undefined;
      this.#post({ type: 'ready', port: this.id, frames });
    }
  }

  #post(frame: { type: 'connect' | 'ready' | 'send' | 'close' } & Record<string, unknown>): void {
    if (!this.#to) return;
    // A frame that cannot be posted (data the channel cannot clone) loses the connection: nothing is dropped silently.
    if (!this.#link.channel.post({ ...this.#to, ...frame } as never)) this.#lose('channel closed');
  }

  #lose(reason: string): void {
    if (this.readyState === CLOSED) return;
    if (this.#to && this.readyState !== CONNECTING)
      this.#link.channel.post({ type: 'close', ...this.#to, port: this.id, code: 1000, reason });
    this.#end(1006, reason, false);
  }

  #end(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === CLOSED) return;
    const opened = this.readyState !== CONNECTING;
    this.readyState = CLOSED;
    this.#unregister();
    if (!wasClean && opened) this.#fire(new Event('error'));
    this.#fire(closeEventOf(code, reason, wasClean));
  }

  // The hub hands binary data over as an ArrayBuffer; a Blob when this port's binaryType asks.
  #binary(data: FrameData): FrameData {
    return this.binaryType === 'blob' && data instanceof ArrayBuffer ? new Blob([data]) : data;
  }

  #fire(event: Event): void {
    const handler = (this as unknown as Record<string, ((event: Event) => void) | null>)[`on${event.type}`];
    handler?.call(this, event);
    this.#target.dispatchEvent(event);
  }
}
