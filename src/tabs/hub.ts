// The leader tab's side: the one real socket of the key, and the ports of every tab on it (this
// tab's own included, through the channel's loopback). It opens the socket when the first port
// dials, and closes it when the last port goes; it sends each port's frames on it in that port's
// order and every message from it to all tabs, numbered so a port can tell one went missing.
// When the socket opens, it waits (at most `gatherTimeout`) for every port's first frames, so the
// merge can send one resume, the union of subscriptions, then the rest (see merge.ts).

import type { Timers } from '../core/feature';
import type { WebSocketConstructor } from '../core/options';
import type { TabChannel } from './channel';
import { type Body, type Frame, type FrameData, type Leadership, same } from './frames';
import { Merge } from './merge';

/** What the hub is given. */
export interface HubOptions {
  channel: TabChannel;
  /** This tab's leadership: frames of any other are not for this hub. */
  leadership: Leadership;
  /** The real WebSocket class. */
  WebSocket: WebSocketConstructor;
  timers: Timers;
  /** ms the hub waits, after the socket opens, for the first frames of every port before sending what it has. */
  gatherTimeout: number;
  /**
   * ms to wait before the first dial: a leadership taken over gives the other tabs' ports time to
   * come back, so the first frames of all of them are merged (one resume from the lowest
   * positions). 0 dials at once.
   */
  dialDelay?: number;
  merge?: Merge;
}

// A port that comes after the socket opened is given the connection's messages so far, for this
// long after the open and up to this many, as if it had been there from the start: a tab that came
// back later than the others after a handover misses nothing of the replay the resume brought.
const historyWindow = 3000;
const historyLimit = 1000;

// A port: dialled (waiting for the socket), told it is open (opening), its first frames in and
// waiting for the others' (ready), or live.
type PortState = 'waiting' | 'opening' | 'ready' | 'live';

/** @internal The connection of one key, held by its leader tab. */
export class Hub {
  readonly #options: HubOptions;
  readonly #merge: Merge;
  readonly #ports = new Map<string, PortState>();
  // First frames of ports in the current gathering, and what a ready port sent after them.
  readonly #batches = new Map<string, FrameData[]>();
  readonly #held = new Map<string, FrameData[]>();
  #gathering = false;
  #timer?: unknown;
  #socket?: WebSocket;
  // Messages from the server so far, under this leadership.
  #n = 0;
  #stopped = false;
  // While the first dial waits (dialDelay): the URL and protocols of the first port.
  #delay?: unknown;
  #first?: [url: string, protocols: string[]];
  // The connection's messages so far, while a late port may still be given them.
  #history?: FrameData[];
  #historyTimer?: unknown;

  constructor(options: HubOptions) {
    this.#options = options;
    this.#merge = options.merge ?? new Merge();
    if (options.dialDelay)
      this.#delay = options.timers.setTimeout(() => {
        this.#delay = undefined;
        if (this.#first && this.#ports.size) this.#dial(...this.#first);
      }, options.dialDelay);
  }

  /** The real socket, while there is one. */
  get socket(): WebSocket | undefined {
    return this.#socket;
  }

  /** Ports on the connection. */
  get ports(): number {
    return this.#ports.size;
  }

  /** A frame from the channel; only those addressed to this leadership are heard. */
  hear(frame: Frame): void {
    if (this.#stopped || !same(frame, this.#options.leadership)) return;
    switch (frame.type) {
      case 'connect':
        if (this.#ports.has(frame.port)) return;
        this.#ports.set(frame.port, 'waiting');
        if (this.#socket?.readyState === 1) return this.#admit(frame.port);
        if (this.#socket) return;
        if (this.#delay === undefined) return this.#dial(frame.url, frame.protocols);
        this.#first ??= [frame.url, frame.protocols];
        return;
      case 'ready':
        return this.#ready(frame.port, frame.frames);
      case 'send': {
        const state = this.#ports.get(frame.port);
        if (state === 'live') return this.#out(this.#merge.send(frame.port, frame.data));
        if (state === 'ready') this.#held.get(frame.port)?.push(frame.data);
        return;
      }
      case 'close':
        if (frame.port !== '*') this.#leave(frame.port);
    }
  }

  /** The leadership is over: the socket is closed; ports of this leadership are lost in their tabs. */
  stop(): void {
    this.#stopped = true;
    this.#options.timers.clearTimeout(this.#timer);
    this.#options.timers.clearTimeout(this.#delay);
    this.#drop(1000, 'leader steps down');
  }

  #dial(url: string, protocols: string[]): void {
    let socket: WebSocket;
    try {
      socket = new this.#options.WebSocket(url, protocols.length ? protocols : undefined) as WebSocket;
    } catch {
      // The ports' clients see a failed attempt and retry on their own terms.
      return this.#closed(1006, 'could not connect');
    }
    this.#socket = socket;
    // Binary messages go to the tabs as ArrayBuffers: a port turns them into Blobs synchronously, in order.
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => this.#opened();
    socket.onmessage = (event) => {
      if (this.#socket !== socket) return;
      const data = event.data;
      this.#post({ type: 'message', n: ++this.#n, data });
      const history = this.#history;
      if (history) {
        if (history.length < historyLimit) history.push(data);
        else this.#history = undefined;
      }
    };
    socket.onclose = (event) => this.#socket === socket && this.#closed(event.code, event.reason);
  }

  // The socket is open: every waiting port is told, and the gathering of first frames starts.
  #opened(): void {
    this.#gathering = true;
    this.#history = [];
    this.#historyTimer = this.#options.timers.setTimeout(() => {
      this.#history = undefined;
    }, historyWindow);
    for (const [port, state] of this.#ports) if (state === 'waiting') this.#admit(port);
    this.#options.timers.clearTimeout(this.#timer);
    this.#timer = this.#options.timers.setTimeout(() => this.#flush(), this.#options.gatherTimeout);
    this.#settle();
  }

  #admit(port: string): void {
    const socket = this.#socket as WebSocket;
    const history = this.#history ?? [];
    let n = this.#n - history.length;
    this.#ports.set(port, 'opening');
    this.#post({ type: 'open', port, n, protocol: socket.protocol ?? '', extensions: socket.extensions ?? '' });
    // Numbered as they were: the ports that have them already pass over them.
    for (const data of history) this.#post({ type: 'message', n: ++n, data });
  }

  #ready(port: string, frames: FrameData[]): void {
    if (this.#ports.get(port) !== 'opening') return;
    if (!this.#gathering) {
      // A port opening on a connection already going.
      this.#ports.set(port, 'live');
      for (const data of frames) this.#out(this.#merge.send(port, data));
      return;
    }
    this.#ports.set(port, 'ready');
    this.#batches.set(port, frames);
    this.#held.set(port, []);
    this.#settle();
  }

  // Every port told of the open has sent its first frames: no need to wait any longer.
  #settle(): void {
    if (this.#gathering && ![...this.#ports.values()].includes('opening')) this.#flush();
  }

  // Sends the merged first frames, then what the ready ports sent since, and makes them live. A
  // port still opening (its tab frozen, slow) joins when its first frames come.
  #flush(): void {
    if (!this.#gathering) return;
    this.#gathering = false;
    this.#options.timers.clearTimeout(this.#timer);
    this.#out(this.#merge.open([...this.#batches]));
    for (const [port, held] of this.#held) {
      this.#ports.set(port, 'live');
      for (const data of held) this.#out(this.#merge.send(port, data));
    }
    this.#batches.clear();
    this.#held.clear();
  }

  #leave(port: string): void {
    if (!this.#ports.delete(port)) return;
    this.#batches.delete(port);
    this.#held.delete(port);
    this.#out(this.#merge.leave(port));
    // No tab wants the connection any more.
    if (!this.#ports.size) this.#drop(1000, 'no tab left');
    else this.#settle();
  }

  // The socket closed: every port is closed with its code, and every tab reconnects on its own terms.
  #closed(code: number, reason: string): void {
    this.#socket = undefined;
    this.#post({ type: 'close', port: '*', code, reason: reason.slice(0, 123) });
    this.#forget();
  }

  #drop(code: number, reason: string): void {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      try {
        socket.close(code, reason);
      } catch {}
    }
    if (!this.#stopped && this.#ports.size) this.#post({ type: 'close', port: '*', code: 1006, reason });
    this.#forget();
  }

  #forget(): void {
    this.#history = undefined;
    this.#options.timers.clearTimeout(this.#historyTimer);
    this.#ports.clear();
    this.#batches.clear();
    this.#held.clear();
    this.#gathering = false;
    this.#options.timers.clearTimeout(this.#timer);
    this.#merge.reset();
  }

  #out(frames: FrameData[]): void {
    const socket = this.#socket;
    for (const data of frames)
      try {
        if (socket?.readyState === 1) socket.send(data);
      } catch {}
  }

  #post(frame: Extract<Body, { type: 'open' | 'message' | 'close' }>) {
    this.#options.channel.post({ ...frame, ...this.#options.leadership });
  }
}
