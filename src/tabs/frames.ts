// The frames tabs of one key say to each other over their BroadcastChannel, and the one reader
// that checks every incoming frame before anything uses it: another app on the same origin, or an
// older version of this library, may post to the same channel, and nothing it posts may throw
// into the app or be taken for ours.

/** The version of these frames; a frame of another version is ignored (and counted). */
export const FRAMES_VERSION = 1;

/** What a frame may carry of a WebSocket message: what a socket sends and receives, cloned as is. */
export type FrameData = string | ArrayBuffer | ArrayBufferView<ArrayBuffer> | Blob;

/**
 * A leadership: its epoch, and the tab holding it. Epochs grow by one per leadership; two
 * leaderships are ordered by epoch, then by tab id, so any two tabs agree which one is newer.
 */
export interface Leadership {
  epoch: number;
  leader: string;
}

/** What each type of frame carries beyond the envelope and the leadership. */
export type Body =
  | /** Leader → all, every `beatInterval`: alive, at this wall-clock time. */ { type: 'beat'; at: number }
  | /** Leader → all: steps down now; ports connected to it are closed. */ { type: 'bye' }
  | /** A tab that just started → the leader, which beats at once (under epoch 0 and the sender's id). */ {
      type: 'hello';
    }
  | /** Tab → leader: port `port` dials `url`. */ { type: 'connect'; port: string; url: string; protocols: string[] }
  | /** Leader → tab: the connection is open for `port`; the next message is `n + 1`. */ {
      type: 'open';
      port: string;
      n: number;
      protocol: string;
      extensions: string;
    }
  | /** Tab → leader: what `port` sent while it opened (resume, subscriptions, resends), in order. */ {
      type: 'ready';
      port: string;
      frames: FrameData[];
    }
  | /** Tab → leader: `port` sends `data`. */ { type: 'send'; port: string; data: FrameData }
  | /** Leader → all: the server sent `data`, the `n`th message of this leadership's connections. */ {
      type: 'message';
      n: number;
      data: FrameData;
    }
  | /** Either way: the port (or every port, `*`) is closed with `code`. */ {
      type: 'close';
      port: string;
      code: number;
      reason: string;
    };

/**
 * Every frame, as sent: `v` and `key` first, the sending tab, and the leadership it speaks under
 * (a leader's own, or the one a port is connected to).
 */
export type Frame = { v: number; key: string; from: string } & Leadership & Body;

/** A frame's type, and the frame of that type. */
export type FrameType = Body['type'];
export type FrameOf<T extends FrameType> = Extract<Frame, { type: T }>;

/** What a frame's sender fills in; the channel adds `v`, `key`, `from`. */
export type Outgoing = Leadership & Body;

/** Ids (tabs, ports), names and reasons are bounded: a hostile frame cannot make us hold megabytes of them. */
const MAX_ID = 64;
const MAX_TEXT = 2048;
const MAX_READY = 10_000;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_ID;
const isText = (value: unknown, max = MAX_TEXT): value is string => typeof value === 'string' && value.length <= max;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
// An epoch far below the largest safe integer: one forged near it could not be counted past.
const isEpoch = (value: unknown): value is number => isCount(value) && value < 2 ** 40;
/** Data a WebSocket could send; anything else (an object, a number) is not ours. */
export const isData = (value: unknown): value is FrameData =>
  typeof value === 'string' ||
  value instanceof ArrayBuffer ||
  ArrayBuffer.isView(value) ||
  (typeof Blob === 'function' && value instanceof Blob);
// A close code a socket could report: 1000–4999.
const isCode = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 1000 && (value as number) < 5000;

// What each type must carry beyond the envelope, checked field by field.
const checks: { [T in FrameType]: (frame: Record<string, unknown>) => boolean } = {
  beat: (frame) => isCount(frame.at),
  bye: () => true,
  hello: () => true,
  connect: (frame) =>
    isId(frame.port) &&
    isText(frame.url) &&
    Array.isArray(frame.protocols) &&
    frame.protocols.length <= 64 &&
    frame.protocols.every((protocol) => isText(protocol, 256)),
  open: (frame) => isId(frame.port) && isCount(frame.n) && isText(frame.protocol) && isText(frame.extensions),
  ready: (frame) =>
    isId(frame.port) && Array.isArray(frame.frames) && frame.frames.length <= MAX_READY && frame.frames.every(isData),
  send: (frame) => isId(frame.port) && isData(frame.data),
  message: (frame) => isCount(frame.n) && isData(frame.data),
  close: (frame) => (frame.port === '*' || isId(frame.port)) && isCode(frame.code) && isText(frame.reason, 123),
};

/** Why a frame was not taken: it is not one of ours, or is ours but malformed, or of another version. */
export type Rejection = 'foreign' | 'version' | 'malformed';

/**
 * Reads what arrived on the channel of `key`: the frame when it is a well-formed frame of this
 * version and key, else why it is not. Never throws, whatever `data` is (the channel delivers
 * structured clones, so plain data; a getter that throws is still caught).
 */
export function readFrame(data: unknown, key: string): Frame | Rejection {
  try {
    if (!isObject(data) || data.key !== key || !('v' in data)) return 'foreign';
    if (data.v !== FRAMES_VERSION) return 'version';
    const type = data.type as FrameType;
    const check = typeof type === 'string' && Object.hasOwn(checks, type) ? checks[type] : undefined;
    if (!check || !isId(data.from) || !isId(data.leader) || !isEpoch(data.epoch) || !check(data)) return 'malformed';
    return data as unknown as Frame;
  } catch {
    return 'malformed';
  }
}

/** Whether leadership `a` is newer than `b` (a higher epoch; on a tie, the greater tab id). */
export const newer = (a: Leadership, b: Leadership | undefined): boolean =>
  !b || a.epoch > b.epoch || (a.epoch === b.epoch && a.leader > b.leader);

/** Whether two leaderships are the same one. */
export const same = (a: Leadership | undefined, b: Leadership | undefined): boolean =>
  !!a && !!b && a.epoch === b.epoch && a.leader === b.leader;
