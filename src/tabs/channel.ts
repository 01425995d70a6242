// The tabs' channel for one key: posts frames stamped with the version, the key and this tab, and
// hands on only frames that pass readFrame, counting the rest. A BroadcastChannel never delivers
// a post to its own sender, so a frame is also handed to this tab's own listeners (in a microtask,
// as another tab would get it later): the leader's hub and its own tab's port then speak to each
// other as any two tabs do.

import { safely } from '../core/surface';
import { FRAMES_VERSION, type Frame, type Outgoing, type Rejection, readFrame } from './frames';

/** The part of BroadcastChannel the tabs use; inject a fake in tests. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

/** Makes the channel named `name` (`(name) => new BroadcastChannel(name)` in a browser). */
export type ChannelFactory = (name: string) => ChannelLike;

/** Frames ignored on the channel, by why. */
export type Ignored = Record<Rejection, number>;

/** @internal The channel of one key in one tab. */
export class TabChannel {
  readonly ignored: Ignored = { foreign: 0, version: 0, malformed: 0 };
  readonly #channel: ChannelLike;
  readonly #listeners = new Set<(frame: Frame) => void>();
  #closed = false;

  constructor(
    readonly key: string,
    readonly tab: string,
    factory: ChannelFactory,
  ) {
    this.#channel = factory(`resilient-ws:${key}`);
    this.#channel.onmessage = (event) => {
      const frame = readFrame(event?.data, key);
      if (typeof frame === 'string') this.ignored[frame]++;
      else this.#deliver(frame);
    };
  }

  /** Listens to every valid frame, this tab's own included; returns what stops it. */
  listen(listener: (frame: Frame) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Posts `frame` to every tab of the key, this one included. False once closed, or when the post throws (data it cannot clone). */
  post(frame: Outgoing): boolean {
    if (this.#closed) return false;
    const stamped = { v: FRAMES_VERSION, key: this.key, from: this.tab, ...frame } as Frame;
    try {
      this.#channel.postMessage(stamped);
    } catch {
      return false;
    }
    queueMicrotask(() => this.#deliver(stamped));
    return true;
  }

  /** Stops posting and listening. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#channel.onmessage = null;
    try {
      this.#channel.close();
    } catch {}
  }

  // A listener that throws must not keep the frame from the others, nor reach the channel.
  #deliver(frame: Frame): void {
    if (this.#closed) return;
    for (const listener of [...this.#listeners]) safely(listener as (...args: unknown[]) => void, undefined, [frame]);
  }
}
