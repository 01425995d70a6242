// Parses what a client sends under the default JSON envelope of docs/delivery-protocol.md and
// encodes what the server answers. Never throws: anything unexpected becomes an `invalid` frame.

import { type FrameLimits, isToken, normalizeLimits } from './limits';

/** One client frame, classified. `other` is anything outside the protocol, left to the app. */
export type ClientFrame =
  | { type: 'message'; id: string; data: unknown }
  | { type: 'resume'; positions: Map<string, number> }
  | { type: 'subscribe'; stream: string }
  | { type: 'unsubscribe'; stream: string }
  | { type: 'other'; value: unknown }
  | { type: 'invalid'; reason: string };

const has = (value: object, key: string) => Object.hasOwn(value, key);

/**
 * Classifies one text frame: `{"id","data"}` is an acknowledged message, `{"resume":{…}}` a resume,
 * `{"subscribe":name}` / `{"unsubscribe":name}` a subscription change. Text that is not JSON, or
 * JSON of another shape, is `other`; a frame that claims a protocol shape but breaks its rules, or
 * is longer than the limit, is `invalid` with a reason.
 */
export function parseClientFrame(text: string, limits: Partial<FrameLimits> = {}): ClientFrame {
  const bounds = normalizeLimits(limits);
  if (typeof text !== 'string') return { type: 'invalid', reason: 'not a text frame' };
  if (text.length > bounds.maxFrameLength) {
    return { type: 'invalid', reason: `frame longer than ${bounds.maxFrameLength} characters` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { type: 'other', value: undefined };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { type: 'other', value };
  if (has(value, 'id') && has(value, 'data')) {
    const { id, data } = value as { id: unknown; data: unknown };
    if (!isToken(id, bounds.maxIdLength)) return { type: 'invalid', reason: 'id must be a non-empty string' };
    return { type: 'message', id, data };
  }
  if (has(value, 'resume')) return parseResume((value as { resume: unknown }).resume, bounds);
  for (const type of ['subscribe', 'unsubscribe'] as const) {
    if (!has(value, type)) continue;
    const stream = (value as Record<string, unknown>)[type];
    if (!isToken(stream, bounds.maxStreamNameLength)) return { type: 'invalid', reason: `${type} needs a stream name` };
    return { type, stream };
  }
  return { type: 'other', value };
}

function parseResume(resume: unknown, bounds: FrameLimits): ClientFrame {
  if (typeof resume !== 'object' || resume === null || Array.isArray(resume)) {
    return { type: 'invalid', reason: 'resume must be an object of stream → seq' };
  }
  // A Map, never the parsed object itself: a stream called "__proto__" stays just a name.
  const positions = new Map<string, number>();
  for (const [stream, seq] of Object.entries(resume)) {
    if (positions.size >= bounds.maxResumeEntries) break;
    if (!isToken(stream, bounds.maxStreamNameLength) || !Number.isSafeInteger(seq) || seq < 0) continue;
    positions.set(stream, seq);
  }
  return { type: 'resume', positions };
}

/** The acknowledgement of message `id`: `{"ack":id}`. */
export function encodeAck(id: string): string {
  return JSON.stringify({ ack: id });
}

/** A stream message as sent on the wire (and on the bus): `{"stream","seq","data"}`. */
export function encodeStreamMessage(stream: string, seq: number, data: unknown): string {
  return JSON.stringify({ stream, seq, data });
}

/** A stream message whose frame text is kept, so backends forward it without encoding it again. */
export interface StreamMessage {
  stream: string;
  seq: number;
  /** The frame exactly as sent to clients. */
  text: string;
}

/** Reads a stream message published on the bus; `undefined` for anything else. */
export function parseStreamMessage(text: string, limits: Partial<FrameLimits> = {}): StreamMessage | undefined {
  const bounds = normalizeLimits(limits);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { stream, seq } = value as { stream?: unknown; seq?: unknown };
  if (!isToken(stream, bounds.maxStreamNameLength) || !Number.isSafeInteger(seq) || (seq as number) < 1) {
    return undefined;
  }
  return { stream, seq: seq as number, text };
}
