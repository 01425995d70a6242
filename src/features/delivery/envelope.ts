// The default wire format of docs/delivery-protocol.md: a JSON envelope for sends, and cheap
// readers of acks and stream positions that look at a frame's start before parsing anything.

import type { SendData } from '../../core/queue';

/** Where a stream message sits in its stream. */
export interface StreamPosition {
  stream: string;
  seq: number;
}

/**
 * Wraps a message in the protocol's envelope: `{"id":"k3x9q2ab.1f","data":…}`, which adds
 * 18 bytes plus the id (about 30 in all) to the JSON of `data`.
 * @throws whatever `JSON.stringify` throws on `data` (a cycle, a BigInt).
 */
export const jsonWrap = (data: unknown, id: string): SendData => JSON.stringify({ id, data });

/**
 * Reads the protocol's ack, `{"ack":"<id>"}` (or an array of ids): the id(s), else undefined.
 * Only a string frame that starts exactly with `{"ack":` is parsed.
 */
export function jsonAck(data: unknown): string | string[] | undefined {
  if (typeof data === 'string' && data.startsWith('{"ack":')) {
    try {
      const ack = JSON.parse(data).ack;
      if (typeof ack === 'string' || Array.isArray(ack)) return ack;
    } catch {}
  }
}

// Reused by every call: a position is read at once by the caller, so no object is made per message.
const position: StreamPosition = { stream: '', seq: 0 };
const at = (stream: string, seq: number) => {
  position.stream = stream;
  position.seq = seq;
  return position;
};

/**
 * Reads the stream and seq of a protocol stream message, `{"stream":"prices","seq":41,…}`; undefined
 * for any other frame. The common form is read without parsing or allocating (but the name);
 * anything unusual after the `{"stream":"` prefix (an escape, another field order) is parsed.
 * The returned object is reused by the next call.
 */
export function jsonPosition(data: unknown): StreamPosition | undefined {
  if (typeof data !== 'string' || !data.startsWith('{"stream":"')) return;
  // The name runs to the next quote; a backslash (an escape) leaves it to JSON.parse.
  let end = 11;
  while (end < data.length && data.charCodeAt(end) !== 34 && data.charCodeAt(end) !== 92) end++;
  if (data.startsWith('","seq":', end)) {
    // Digits up to the end of the field, few enough to be exact; else parsed below.
    let seq = 0;
    let index = end + 8;
    let code = data.charCodeAt(index);
    for (; code > 47 && code < 58; code = data.charCodeAt(++index)) seq = seq * 10 + code - 48;
    if (index > end + 8 && index < end + 24 && (code === 44 || code === 125)) return at(data.slice(11, end), seq);
  }
  try {
    const { stream, seq } = JSON.parse(data);
    if (typeof stream === 'string' && Number.isSafeInteger(seq) && seq >= 0) return at(stream, seq);
  } catch {}
}

/** Builds the protocol's resume message, `{"resume":{"prices":41}}`, from the last seq of each stream. */
export const jsonResume = (positions: Record<string, number>): SendData => JSON.stringify({ resume: positions });
