// What follows an outcome, as the policy decided it: stop, give up, or retry after how long.
// Keeps the memory a decision needs (failures in a row, the last delay, a refresh already spent)
// and nothing else; the client feeds the verdict into the lifecycle.

import { backoffDelay } from './backoff';
import { ResolveError } from './errors';
import type { Stats } from './events';
import { describeOutcome } from './logger';
import type { NormalizedCoreOptions } from './options';
import { type Decision, defaultDecision, type Outcome } from './policy';
import type { Work } from './work';

// Back online or visible: reconnect within this many ms, at random, so a crowd returns spread out.
const returnSpread = 300;
// A wait for Retry-After is stretched by up to this fraction, so a server's clients return spread out.
const retryAfterSpread = 0.2;

/** The verdict on an outcome: stop quietly, fail (and why), or retry after `delay` ms. */
export type Verdict =
  | { input: 'stop' }
  | { input: 'fail'; why: string }
  | { input: 'retry'; delay: number; refresh: boolean };

/** The retry memory of one client: failures in a row (in `stats.retries`), the last delay, and auth. */
export class RetryPlan {
  #previousDelay = 0;
  // Where in each window of a run of failures this client retries (see backoffDelay), and where in
  // the spread after `online` or a Retry-After: one draw per run, so a crowd stays spread.
  #phase = 0;
  /** A refreshAuth was spent on the last 401 in a row. */
  authRefreshed = false;
  /** The last connection did not hold up: what features resolved should be asked again. */
  renew = false;
  /** When the current wait ends (the `now` clock); Infinity when none runs. */
  at = Infinity;
  readonly #options: NormalizedCoreOptions;
  readonly #counters: Stats;

  constructor(options: NormalizedCoreOptions, counters: Stats) {
    this.#options = options;
    this.#counters = counters;
  }

  /** Starting over: the app may have fixed its credentials or its endpoint meanwhile. */
  reset(): void {
    this.#phase = this.#options.random();
    this.#counters.retries = 0;
    this.#previousDelay = 0;
    this.authRefreshed = false;
  }

  /** What the policy (with the app's `decide`) makes of `outcome`. */
  decide(outcome: Outcome): Decision {
    const suggested = defaultDecision(outcome);
    return this.#options.decide?.(outcome, suggested) ?? suggested;
  }

  /** A shorter wait when `online` or visibility cut the current one short (ms); undefined to keep it. */
  soon(): number | undefined {
    const { now } = this.#options;
    const soon = this.#phase * returnSpread;
    if (this.at - now() <= soon) return undefined;
    this.at = now() + soon;
    return soon;
  }

  /** Decides what follows `outcome`, whose `decision` is the policy's (or the app's `decide`). */
  verdict(outcome: Outcome, decision: Decision): Verdict {
    const options = this.#options;
    const counters = this.#counters;
    // A connection that went silent was not healthy for its whole uptime: it does not reset.
    const stable =
      outcome.type === 'close' && outcome.opened && options.now() - (counters.openedAt ?? 0) >= options.minUptime;
    // A 401 after a connection that stayed up is a first one again (a token that expired).
    if (stable) this.reset();
    this.renew = !stable;
    counters.lastOutcome = outcome;
    if (decision === 'stop') return { input: 'stop' };
    const refresh = decision === 'refresh-auth';
    const said = describeOutcome(outcome);
    let why: string | undefined;
    if (decision === 'fatal') why = said;
    else if (refresh && !options.refreshAuth) why = `${said} and no refreshAuth option`;
    else if (refresh && this.authRefreshed) why = `${said}, the second 401 in a row after refreshAuth`;
    else if (counters.retries >= options.maxRetries) {
      why = `${counters.retries + 1} failed attempts in a row, the last ${said}`;
    }
    if (why) return { input: 'fail', why };
    const attempt = ++counters.retries;
    let delay = 0;
    // A refresh retries at once after a connection that stayed up; after other failures in a
    // row it waits the backoff like any retry.
    if (decision !== 'connect' && !(refresh && attempt === 1)) {
      delay = backoffDelay(options, attempt, this.#previousDelay, () => this.#phase);
      this.#previousDelay = delay;
      const retryAfter = (outcome as { retryAfter?: number }).retryAfter;
      if (decision === 'reconnect-later' && retryAfter) {
        // Never earlier than the server asked; a little later, so its clients do not return at once.
        const spread = 1 + this.#phase * retryAfterSpread;
        delay = Math.max(delay, Math.min(options.maxRetryAfter, retryAfter * spread));
      }
    }
    if (refresh) {
      // One retry with fresh credentials; the next 401 in a row is fatal.
      this.authRefreshed = true;
      this.renew = true;
    }
    this.at = options.now() + delay;
    return { input: 'retry', delay, refresh };
  }

  /**
   * Calls the app's refreshAuth, then `then.attempt()`. It may take at most `resolveTimeout`: one
   * that never settles counts as a failed attempt (`then.lose`, and the next 401 may ask again);
   * one that throws fails the client (`then.fail`).
   */
  refresh(
    outcome: Outcome,
    work: Work,
    step: (callback: () => void) => () => void,
    then: { attempt(): void; fail(why: string): void; lose(error: ResolveError): void },
  ): void {
    const { refreshAuth, resolveTimeout } = this.#options;
    const signal = work.begin();
    work.arm(
      'refresh',
      () => {
        work.abort();
        this.authRefreshed = false;
        then.lose(new ResolveError(`refreshAuth did not settle within ${resolveTimeout} ms`, 'network', ''));
      },
      resolveTimeout,
    );
    const settled = (callback: () => void) =>
      step(() => {
        if (signal.aborted) return;
        work.disarm('refresh');
        callback();
      });
    Promise.resolve(outcome)
      .then(refreshAuth)
      .then(
        settled(() => then.attempt()),
        (error) => settled(() => then.fail(`refreshAuth threw ${error}`))(),
      );
  }
}
