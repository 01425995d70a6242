// The client's pending work, in one place: one named timer per purpose, the signal that async
// work (a resolution, an auth refresh) holds, and the turn in the handshake queue. `cancel` ends
// all of it, so nothing outlives a close(), a reconnect or a lost socket.

import type { Timers } from './feature';

/** Timers by name, one abort signal and one handshake turn; see the file comment. */
export class Work {
  readonly #timers: Timers;
  readonly #step: (callback: () => void) => () => void;
  readonly #armed: Record<string, unknown> = {};
  #controller = new AbortController();
  /** Ends this client's place in the handshake queue (see `queueHandshakes`). */
  turn?: () => void;

  /** @param step wraps each timer's callback as one step of the client. */
  constructor(timers: Timers, step: (callback: () => void) => () => void) {
    this.#timers = timers;
    this.#step = step;
  }

  /** Arms the timer named `name` (replacing one already armed); `callback` runs as a step. */
  arm(name: string, callback: () => void, ms: number): void {
    this.disarm(name);
    // A fired timer's handle stays until the next arm or disarm; clearing it then is harmless.
    this.#armed[name] = this.#timers.setTimeout(this.#step(callback), ms);
  }

  /** Clears the timer named `name`, or every timer. */
  disarm(name?: string): void {
    for (const armed in this.#armed) {
      if (name && armed !== name) continue;
      this.#timers.clearTimeout(this.#armed[armed]);
      delete this.#armed[armed];
    }
  }

  /** Starts a new piece of async work, ending any before it; returns its signal. */
  begin(): AbortSignal {
    this.#controller.abort();
    this.#controller = new AbortController();
    return this.#controller.signal;
  }

  /** Aborts the async work in flight, whatever arrives after that is ignored. */
  abort(): void {
    this.#controller.abort();
  }

  /** Ends everything pending: the handshake turn, the async work, every timer. */
  cancel(): void {
    this.turn?.();
    this.turn = undefined;
    this.abort();
    this.disarm();
  }
}
