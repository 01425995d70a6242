// Which tab of a key leads: the holder of the Web Lock named after the key. A leader beats on the
// channel every `beatInterval`; a follower that hears no beat for `leaderTimeout` of wall-clock
// time takes the lock away (`steal`), since a frozen tab keeps its locks for the whole freeze.
// Every leadership gets an epoch one above any seen, and a leader that hears a newer leadership
// (it was frozen, its lock was stolen) steps down at once: see docs/tabs-design.md.

import { EventEmitter } from 'eventemitter3';
import type { Timers } from '../core/feature';
import type { TabChannel } from './channel';
import { type Frame, type Leadership, newer, same } from './frames';

/** A tab's part: the one holding the connection, one using it through the leader, or alone (no locks or channel). */
export type Role = 'leader' | 'follower' | 'solo';

/** The part of `navigator.locks` the election uses; inject a fake in tests. */
export interface LockManagerLike {
  request(
    name: string,
    options: { signal?: AbortSignal; steal?: boolean },
    callback: (lock: unknown) => Promise<unknown> | undefined,
  ): Promise<unknown>;
}

/** What the election is given. */
export interface ElectionOptions {
  /** `navigator.locks`; without it the tab is `solo`. */
  locks: LockManagerLike | undefined;
  /** The key's channel; without it the tab is `solo`. */
  channel: TabChannel | undefined;
  /** Wall-clock time in ms (`Date.now`): it goes on while a tab is frozen, unlike its timers. */
  now: () => number;
  timers: Timers;
  random: () => number;
  /** Whether the page is visible: a hidden follower waits longer before taking over. */
  visible: () => boolean;
  /** ms between a leader's beats. */
  beatInterval: number;
  /** ms without a beat after which a visible follower takes leadership away (a hidden one waits half as long again). */
  leaderTimeout: number;
}

/** The events of an {@link Election}. */
export interface ElectionEvents {
  /** This tab's role changed. */
  role: [role: Role, previous: Role];
  /** The leadership this tab follows or holds changed (undefined: none known, a leader said bye). */
  leadership: [leadership: Leadership | undefined];
}

/** @internal The election of one key in one tab. */
export class Election extends EventEmitter<ElectionEvents> {
  role: Role = 'follower';
  /** The leadership this tab knows of, its own when leading. */
  leadership?: Leadership;
  readonly #options: ElectionOptions;
  readonly #lock: string;
  // The highest epoch heard of, so the next leadership is above every one before it.
  #seen = 0;
  #lastBeat = 0;
  // Whether a request waits in the lock's queue; the request whose grant this tab leads under,
  // and what releases it.
  #queued = false;
  #held?: object;
  #release?: () => void;
  #timer?: unknown;
  #expected = 0;
  #skipped = false;
  #paused = false;
  #stopped = false;
  #unlisten?: () => void;

  constructor(key: string, options: ElectionOptions) {
    super();
    this.#options = options;
    this.#lock = `resilient-ws:${key}`;
  }

  /** Starts: `solo` without locks or channel, else a follower asking for the lock. */
  start(): void {
    const { locks, channel } = this.#options;
    if (!locks || !channel) return this.#become('solo');
    this.#unlisten = channel.listen((frame) => this.#hear(frame));
    this.#lastBeat = this.#options.now();
    this.#ask(false);
    this.#tick();
    // The leader beats when it hears this, so a new tab need not wait a beat to know it.
    channel.post({ type: 'hello', epoch: 0, leader: channel.tab });
  }

  /** Steps down for good (the client is closed). */
  stop(): void {
    if (this.#stopped) return;
    this.pause();
    this.#stopped = true;
    this.#unlisten?.();
  }

  /** Steps down and asks for nothing until {@link resume}: the page is hidden for good or frozen. */
  pause(): void {
    if (this.#paused || this.role === 'solo') return;
    this.#paused = true;
    this.#options.timers.clearTimeout(this.#timer);
    this.#step(undefined);
  }

  /** Back from {@link pause}: a follower again, asking for the lock. */
  resume(): void {
    if (!this.#paused || this.#stopped) return;
    this.#paused = false;
    this.#lastBeat = this.#options.now();
    this.#ask(false);
    this.#tick();
  }

  // Asks for the lock, queued behind the holder, or taking it from a holder heard of no more.
  // A queued request is never aborted: aborting a queued lock request through its signal closes
  // the page in Chromium 156 (measured here). So a tab has at most one request queued, and one
  // granted when the tab no longer wants to lead (paused, stopped) is let go of at once.
  #ask(steal: boolean): void {
    if (!steal && this.#queued) return;
    if (!steal) this.#queued = true;
    const request = {};
    const settled = () => {
      if (!steal) this.#queued = false;
      // Stolen (AbortError), or released by the page going: this leadership is over.
      if (this.#held === request) this.#step(undefined);
    };
    (this.#options.locks as LockManagerLike)
      .request(this.#lock, steal ? { steal } : {}, () => {
        if (!steal) this.#queued = false;
        if (this.#paused || this.#stopped || this.role !== 'follower') return undefined;
        return new Promise<void>((resolve) => {
          this.#held = request;
          this.#release = resolve;
          this.#lead();
        });
      })
      .then(settled, settled);
  }

  #lead(): void {
    const { channel, timers, beatInterval } = this.#options;
    this.leadership = { epoch: this.#seen + 1, leader: (channel as TabChannel).tab };
    this.#seen = this.leadership.epoch;
    this.#become('leader');
    this.emit('leadership', this.leadership);
    const beat = () => {
      if (this.role !== 'leader') return;
      this.#beat();
      this.#timer = timers.setTimeout(beat, beatInterval);
    };
    timers.clearTimeout(this.#timer);
    beat();
  }

  #beat(): void {
    this.#options.channel?.post({ type: 'beat', ...(this.leadership as Leadership), at: this.#options.now() });
  }

  // Ends this tab's leadership, if it has one (saying bye, letting go of the lock), and follows
  // `next`; asks for the lock again unless paused.
  #step(next: Leadership | undefined): void {
    const wasLeader = this.role === 'leader';
    if (wasLeader) this.#options.channel?.post({ type: 'bye', ...(this.leadership as Leadership) });
    this.#held = undefined;
    this.#release?.();
    this.#release = undefined;
    this.leadership = next;
    if (wasLeader || this.role === 'solo') this.#become('follower');
    this.emit('leadership', next);
    if (this.#paused || this.#stopped) return;
    this.#lastBeat = this.#options.now();
    this.#ask(false);
    if (wasLeader) this.#tick();
  }

  #hear(frame: Frame): void {
    if (this.#stopped) return;
    this.#seen = Math.max(this.#seen, frame.epoch);
    if (frame.type === 'hello') {
      if (this.role === 'leader' && frame.from !== this.#options.channel?.tab) this.#beat();
    } else if (frame.type === 'beat') {
      if (same(frame, this.leadership)) this.#lastBeat = this.#options.now();
      else if (newer(frame, this.leadership)) {
        // A newer leadership: ours is over (we were frozen, or our lock was stolen); follow it.
        const next = { epoch: frame.epoch, leader: frame.leader };
        if (this.role === 'leader') this.#step(next);
        else {
          this.leadership = next;
          this.emit('leadership', next);
        }
        this.#lastBeat = this.#options.now();
      }
    } else if (frame.type === 'bye' && same(frame, this.leadership) && this.role !== 'leader') {
      // Its lock is free: a queued request gets it; wait a full timeout before stealing.
      this.leadership = undefined;
      this.#lastBeat = this.#options.now();
      this.emit('leadership', undefined);
    }
  }

  // A follower's check, every beatInterval: no beat for too long, and the lock is taken away.
  // A check that comes late (this tab was frozen or throttled: it heard nothing either) is
  // skipped once, so a tab waking up does not take the lock from a leader that is alive.
  #tick(): void {
    const { now, timers, beatInterval, leaderTimeout, visible, random } = this.#options;
    this.#expected = now() + beatInterval;
    this.#timer = timers.setTimeout(() => {
      if (this.role !== 'follower' || this.#paused || this.#stopped) return;
      const at = now();
      const late = at - this.#expected > beatInterval;
      if (late && !this.#skipped) {
        this.#skipped = true;
        this.#lastBeat = Math.max(this.#lastBeat, at - leaderTimeout + beatInterval);
      } else {
        this.#skipped = false;
        // Hidden tabs wait longer, so a visible one takes over first; a random part keeps two
        // followers from stealing the lock from each other in turn.
        const wait = leaderTimeout * (visible() ? 1 : 1.5) + random() * beatInterval;
        if (at - this.#lastBeat > wait) {
          this.#lastBeat = at;
          this.#ask(true);
        }
      }
      this.#tick();
    }, beatInterval);
  }

  #become(role: Role): void {
    const previous = this.role;
    if (role === previous) return;
    this.role = role;
    this.emit('role', role, previous);
  }
}
