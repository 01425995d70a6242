// A fake FeatureHost for the delivery feature's tests: it records what is transmitted, opens and
// drops its pretend connection on command, and uses vitest's fake clock and a fixed random.

import { vi } from 'vitest';
import type { FeatureHost } from '../../src/core/feature';
import type { State } from '../../src/events';
import type { Delivery } from '../../src/features/delivery';
import type { SendData } from '../../src/queue';

/** A host in state `connecting`, attached to `feature`; `open()` and `drop()` drive it. */
export function hostFor<T>(feature: Delivery<T>) {
  const wire: SendData[] = [];
  let state: State = 'connecting';
  const host: FeatureHost = {
    get state() {
      return state;
    },
    socket: undefined,
    now: () => Date.now(),
    timers: {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as never),
    },
    random: () => 0.5,
    transmit: (data) => state === 'open' && wire.push(data) > 0,
    emit: vi.fn(),
    step: (callback) => callback,
    signal: vi.fn(),
    lose: vi.fn(),
  };
  const dispose = feature.attach(host);
  return {
    host,
    dispose,
    /** Everything transmitted, oldest first (`wire.splice(0)` to take it). */
    wire,
    /** The connection opens: the open hook runs, as the client runs it before the `open` event. */
    open() {
      state = 'open';
      feature.open();
    },
    /** The connection is lost; the client waits to reconnect. */
    drop() {
      state = 'waiting';
    },
    /** A message arrives; true when the feature consumed it. */
    receive(data: unknown): boolean {
      return feature.message(new MessageEvent('message', { data }));
    },
  };
}

/** The ids of default-envelope frames. */
export const ids = (frames: SendData[]) => frames.map((frame) => JSON.parse(frame as string).id as string);
