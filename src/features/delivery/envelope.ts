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

// The common message's start: the name (no quote or escape in it), the digits of the seq, the data.
// Anything else, heads included (one per subscription), is parsed.
const common = /^\{"stream":"([^"\\]*)","seq":(\d+),"data":/;

/**
 * Reads the stream and seq of a protocol stream message, `{"stream":"prices","seq":41,"data":…}`,
 * or of a head, a stream frame without `data` (`{"stream":"prices","seq":41}`, other fields
 * allowed: `head` is set); undefined for any other frame, one whose seq is not an integer ≥ 0
 * included. The common form is read by a regular expression on its start, without parsing;
 * anything else that starts with `{"stream":` (an escape, another field order, other fields) is
 * parsed.
 */
export function jsonPosition(data: unknown): StreamPosition | undefined {
  if (!starts(data, '{"stream":')) return;
  const match = common.exec(data);
  const frame = match ? { stream: match[1], seq: +(match[2] as string) } : (parse(data) ?? {});
  const { stream, seq } = frame;
  if (typeof stream === 'string' && Number.isSafeInteger(seq) && seq >= 0)
    return match || 'data' in frame ? { stream, seq } : { stream, seq, head: true };
}

/** Builds the protocol's resume message, `{"resume":{"prices":41}}`, from the last seq of each stream. */
export const jsonResume = (positions: Record<string, number>): SendData => JSON.stringify({ resume: positions });
