// The lifecycle as data: for every state and every input, the next state and the effects the
// client applies, in order. Pure: no clock, no socket, no listener. The README's lifecycle
// diagram and matrix show the same table, and a test holds them to each other, pair by pair.

import type { State } from './events';

/**
 * The machine's states: the public {@link State}s, with `offline` split in two. `offline` has no
 * socket (no attempt is spent while the browser is offline); `held` keeps an open socket through
 * an outage (the browser delivers its traffic when the network is back). Both read as `offline`.
 */
export type Phase = State | 'held';

/**
 * What moves the machine: the app's calls, an attempt's progress, the socket, the policy's
 * decision on an outcome, the retry timer, and what the network and the page report.
 */
export type Input =
  // The app: connect(), reconnect(), close() (a first send() with `lazy` connects).
  | 'connect'
  | 'reconnect'
  | 'close'
  // An attempt: it asks a feature where to go, it dials, or it finds the browser offline.
  | 'resolve'
  | 'dial'
  | 'hold'
  // The socket opened; the socket closed; the connection was lost without a close event
  // (connect timeout, missed heartbeat, a refusal while resolving).
  | 'open'
  | 'ended'
  | 'lost'
  // The policy decided about what ended the attempt or connection.
  | 'retry'
  | 'fail'
  | 'stop'
  // The retry timer fired.
  | 'due'
  // The network and the page (see the network and page features).
  | 'online'
  | 'offline'
  | 'visible'
  | 'hide'
  | 'show';

/**
 * What the client does, in the order listed:
 * - `restart`: attach the features, abandon any socket, reset the retry count, attempt.
 * - `cancel`: end the async work, the timers and the handshake turn.
 * - `drop`: drop the queue, a `drop` event per message (reason: the new state).
 * - `shut`: close the socket with the app's code and reason.
 * - `detach`: let go of a socket that has closed, and of everything pending. `abandon`: detach
 *   a socket and close it.
 * - `dispose`: undo what the features set up.
 * - `opened`: count the open, run the features' `open` hooks, emit `open`, flush the queue after.
 * - `settle`: ask the policy about the outcome; its decision comes back as an input.
 * - `report`: emit `close` for the socket that ended, then `failed` when the state is `failed`.
 * - `wait`: arm the retry timer and emit `reconnecting`. `proceed`: run what the timer was for.
 * - `soon`: cut the wait short, to a small random delay. `disarm`: stop the retry timer.
 * - `flush`: send the queue. `wake`: ask the features to check the connection now.
 */
export type Effect =
  | 'restart'
  | 'cancel'
  | 'drop'
  | 'shut'
  | 'detach'
  | 'abandon'
  | 'dispose'
  | 'opened'
  | 'settle'
  | 'report'
  | 'wait'
  | 'proceed'
  | 'soon'
  | 'disarm'
  | 'flush'
  | 'wake';

/** One cell of the table: the next state (undefined: stay) and the effects. */
export type Step = readonly [next: Phase | undefined, ...effects: Effect[]];

/** The machine's states, in the order of the table's columns. */
export const phases: readonly Phase[] = [
  'idle',
  'resolving',
  'connecting',
  'open',
  'held',
  'waiting',
  'offline',
  'suspended',
  'closing',
  'closed',
  'failed',
];

// The cells. `_`: nothing happens.
const _: Step = [undefined];
const restart: Step = [undefined, 'restart'];
const shutting: Step = ['closing', 'cancel', 'drop', 'shut'];
const closed: Step = ['closed', 'cancel', 'drop', 'dispose'];
const resolving: Step = ['resolving'];
const connecting: Step = ['connecting'];
const opened: Step = ['open', 'opened'];
const done: Step = ['closed', 'detach', 'report', 'dispose'];
const ended: Step = [undefined, 'detach', 'settle'];
const lost: Step = [undefined, 'abandon', 'settle'];
const retry: Step = ['waiting', 'report', 'wait'];
const fail: Step = ['failed', 'report', 'drop', 'dispose'];
const stop: Step = ['closed', 'report', 'drop', 'dispose'];
const proceed: Step = [undefined, 'proceed'];
const soon: Step = ['waiting', 'soon'];
const back: Step = ['open', 'flush', 'wake'];
const wake: Step = [undefined, 'wake'];
const hold: Step = ['held', 'wake'];
const park: Step = ['offline', 'disarm'];
const suspend: Step = ['suspended', 'abandon'];

/**
 * The table: a row per input, a cell per state in the order of {@link phases}. Every pair is
 * here, including those that do nothing.
 *
 * An attempt's own inputs (`resolve`, `dial`, `hold`) move the machine from wherever it is: only
 * `restart`, `proceed` and `soon` start an attempt, and cancelling one ends its inputs with it.
 */
// biome-ignore format: a matrix reads best as one.
export const lifecycle: Readonly<Record<Input, readonly Step[]>> = {
  //          idle       resolving  connecting open       held       waiting    offline    suspended  closing    closed     failed
  connect:   [restart,   _,         _,         _,         restart,   _,         restart,   restart,   restart,   restart,   restart],
  reconnect: [restart,   restart,   restart,   restart,   restart,   restart,   restart,   restart,   _,         _,         restart],
  close:     [closed,    closed,    shutting,  shutting,  shutting,  closed,    closed,    closed,    _,         _,         closed],
  resolve:   [resolving, resolving, resolving, resolving, resolving, resolving, resolving, resolving, resolving, resolving, resolving],
  dial:      [connecting,connecting,connecting,connecting,connecting,connecting,connecting,connecting,connecting,connecting,connecting],
  hold:      [park,      park,      park,      park,      park,      park,      park,      park,      park,      park,      park],
  open:      [_,         _,         opened,    _,         _,         _,         _,         _,         _,         _,         _],
  ended:     [_,         _,         ended,     ended,     ended,     _,         _,         _,         done,      _,         _],
  lost:      [_,         lost,      lost,      lost,      lost,      lost,      _,         _,         _,         _,         _],
  retry:     [_,         retry,     retry,     retry,     retry,     retry,     _,         _,         _,         _,         _],
  fail:      [_,         fail,      fail,      fail,      fail,      fail,      _,         _,         _,         _,         _],
  stop:      [_,         stop,      stop,      stop,      stop,      stop,      _,         _,         _,         _,         _],
  due:       [_,         _,         _,         _,         _,         proceed,   _,         _,         _,         _,         _],
  online:    [_,         _,         _,         wake,      back,      soon,      soon,      _,         _,         _,         _],
  offline:   [_,         _,         _,         hold,      _,         park,      _,         _,         _,         _,         _],
  visible:   [_,         _,         _,         wake,      wake,      soon,      soon,      _,         _,         _,         _],
  hide:      [suspend,   suspend,   suspend,   suspend,   suspend,   suspend,   suspend,   _,         _,         _,         _],
  show:      [_,         _,         _,         wake,      wake,      soon,      soon,      restart,   _,         _,         _],
};

/** The step for `input` in `phase`. */
export function transition(phase: Phase, input: Input): Step {
  return lifecycle[input][phases.indexOf(phase)] as Step;
}
