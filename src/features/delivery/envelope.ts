// The default wire format of docs/delivery-protocol.md: a JSON envelope for sends, and cheap
// readers of acks and stream positions that look at a frame's start before parsing anything.

import type { SendData } from '../../core/queue';

/** Where a stream message sits in its stream. */
export interface StreamPosition {
  stream: string;
  seq: number;
  /**
   * The frame only says where the stream stands (the server's answer to a subscription it has no
   * position to resume from) and carries nothing for the app: it sets the stream's start, if the
   * client has none, and is not emitted.
   */
  head?: true;
}

/**
 * Wraps a message in the protocol's envelope: `{"id":"k3x9q2ab.1f","data":…}`, which adds
 * 18 bytes plus the id (about 30 in all) to the JSON of `data`.
 * @throws whatever `JSON.stringify` throws on `data` (a cycle, a BigInt).
 */
export const jsonWrap = (data: unknown, id: string): SendData => JSON.stringify({ id, data });

// Whether `data` is a string frame that starts with `start`; and a frame parsed, or undefined.
const starts = (data: unknown, start: string): data is string => typeof data === 'string' && data.startsWith(start);
const parse = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {}
};

/**
 * Reads the protocol's ack, `{"ack":"<id>"}` (or an array of ids): the id(s), else undefined.
 * Only a string frame that starts exactly with `{"ack":` is parsed.
 */
export function jsonAck(data: unknown): string | string[] | undefined {
  const ack = starts(data, '{"ack":') ? parse(data)?.ack : undefined;
  if (typeof ack === 'string' || Array.isArray(ack)) return ack;
}

/**
 * Reads the stream and seq of a protocol stream message, `{"stream":"prices","seq":41,"data":…}`,
 * or of a head, a stream frame without `data` (`{"stream":"prices","seq":41}`, other fields
 * allowed: `head` is set); undefined for any other frame, one whose seq is not an integer ≥ 0
 * included. The common form is read without parsing: the name up to the next quote (no escape in
 * it), then the digits of the seq, then `}` (a head) or `,"data":`; anything else after the
 * `{"stream":"` prefix (an escape, another field order, other fields, a number in another form)
 * is parsed.
 */
export function jsonPosition(data: unknown): StreamPosition | undefined {
  if (!starts(data, '{"stream":"')) return;
  const end = data.indexOf('"', 11);
  let stream = data.slice(11, end);
  let seq = 0;
  let index = end + 8;
  let code = data.charCodeAt(index);
  // Exact while the value is a safe integer (every step is below it), which is checked below.
  for (; code > 47 && code < 58; code = data.charCodeAt(++index)) seq = seq * 10 + (code - 48);
  // `}` right after the seq: a head, which has no data.
  let head = code === 125;
  if (
    stream.includes('\\') ||
    !data.startsWith('","seq":', end) ||
    index === end + 8 ||
    !(head || data.startsWith(',"data":', index))
  ) {
    const frame = parse(data) ?? {};
    ({ stream, seq } = frame);
    head = !('data' in frame);
  }
  if (typeof stream === 'string' && Number.isSafeInteger(seq) && seq >= 0)
    return head ? { stream, seq, head } : { stream, seq };
}

/** Builds the protocol's resume message, `{"resume":{"prices":41}}`, from the last seq of each stream. */
export const jsonResume = (positions: Record<string, number>): SendData => JSON.stringify({ resume: positions });
