// A fake FeatureHost for the delivery feature's tests: it records what is transmitted, opens and
// drops its pretend connection on command, and uses vitest's fake clock and a fixed random.

import { vi } from 'vitest';
import type { State } from '../../src/core/events';
import type { FeatureHost } from '../../src/core/feature';
import type { SendData } from '../../src/core/queue';
import type { Delivery, OutboxStorage, SavedOutbox } from '../../src/features/delivery';

/** A host in state `connecting`, attached to `feature`; `open()` and `drop()` drive it. */
export function hostFor<T>(feature: Delivery<T>) {
  const wire: SendData[] = [];
  let state: State = 'connecting';
  // The client's named connection timers: each replaces one of its name; all end with the connection.
  const armed = new Map<string, ReturnType<typeof setTimeout>>();
  const disarm = (name: string) => {
    clearTimeout(armed.get(name));
    armed.delete(name);
  };
  const host: FeatureHost = {
    get state() {
      return state;
    },
    socket: undefined,
    stats: { attempts: 0, reconnects: 0, retries: 0 },
    now: () => Date.now(),
    timers: {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as never),
    },
    random: () => 0.5,
    arm: (name, callback, ms) => {
      disarm(name);
      armed.set(
        name,
        setTimeout(() => {
          armed.delete(name);
          callback();
        }, ms),
      );
    },
    disarm,
    transmit: (data) => state === 'open' && wire.push(data) > 0,
    emit: vi.fn(),
    step: (callback) => callback,
    signal: vi.fn(),
    lose: vi.fn(),
  };
  const dispose = feature.attach(host);
  return {
    host,
    /** The client closes: its timers end, then the feature is disposed. */
    dispose() {
      this.drop();
      dispose();
    },
    /** Everything transmitted, oldest first (`wire.splice(0)` to take it). */
    wire,
    /** The connection opens: the open hook runs, as the client runs it before the `open` event. */
    open() {
      state = 'open';
      feature.open();
    },
    /** The connection is lost, and its timers with it; the client waits to reconnect. */
    drop() {
      state = 'waiting';
      for (const name of [...armed.keys()]) disarm(name);
    },
    /** A message arrives; true when the feature consumed it. */
    receive(data: unknown): boolean {
      return feature.message(new MessageEvent('message', { data }));
    },
  };
}

/** The ids of default-envelope frames. */
export const ids = (frames: SendData[]) => frames.map((frame) => JSON.parse(frame as string).id as string);

/** An outbox kept in memory, as an app keeps one across remounts: `saved` is what was last saved. */
export function memoryOutbox(): OutboxStorage & { saved?: SavedOutbox } {
  return {
    load() {
      return this.saved;
    },
    save(outbox) {
      this.saved = outbox;
    },
  };
}
