// The delivery feature against what its server may send: stream names without end, acks of ids it
// never sent, heads for streams nobody asked for. Each costs a bounded amount and takes nothing
// from the app's own messages and streams. (What they cost in time is in bench/delivery-hostile.mjs.)

import { describe, expect, it } from 'vitest';
import { delivery, jsonPosition } from '../../src/features/delivery';
import { hostFor, ids } from './delivery-host';

const frame = (stream: string, seq: number) => JSON.stringify({ stream, seq, data: seq });
const head = (stream: string, seq: number) => JSON.stringify({ stream, seq });

describe('stream names from the server', () => {
  it('tracks no stream whose name is over 128 characters, so the resume stays small', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    const huge = 'x'.repeat(1024 * 1024);
    for (let n = 0; n < 4; n++) {
      // Messages go through to the app as they are; heads are consumed.
      expect(link.receive(frame(`${huge}${n}`, 1))).toBe(false);
      expect(link.receive(head(`${huge}${n}`, 1))).toBe(true);
    }
    expect(link.receive(frame('y'.repeat(128), 5))).toBe(false);
    expect([...feature.streams.keys()]).toEqual(['y'.repeat(128)]);
    link.drop();
    link.open();
    const [resume] = link.wire.splice(0);
    expect(resume).toBe(JSON.stringify({ resume: { ['y'.repeat(128)]: 5 } }));
  });

  it('bounds the resume message by maxStreams names of at most 128 characters', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    for (let n = 0; n < 1000; n++) link.receive(frame(`${'s'.repeat(120)}${n}`.slice(-128), 2 ** 53 - 1));
    link.drop();
    link.open();
    const [resume] = link.wire.splice(0);
    expect(feature.streams.size).toBe(256);
    // 256 entries of a 128-character name and a 16-digit seq, with quotes, colon and comma.
    expect((resume as string).length).toBeLessThanOrEqual(256 * (128 + 16 + 4) + 12);
  });
});

describe('acks from the server', () => {
  it('settles the acked ones among a flood of unknown ids, and counts each id once', async () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    const sent = Array.from({ length: 1000 }, (_, n) => feature.deliver(n));
    const unknown = Array.from({ length: 100_000 }, (_, n) => `nobody.${n}`);
    const acked = [sent[999]!.id, ...unknown, sent[0]!.id, sent[0]!.id];
    expect(link.receive(JSON.stringify({ ack: acked }))).toBe(true);
    await Promise.all([sent[0], sent[999]]);
    expect(feature.pending).toHaveLength(998);
    expect(feature.pending[0]?.id).toBe(sent[1]?.id);
    // Ids of no string kind are no ids of ours either.
    expect(link.receive(JSON.stringify({ ack: [null, 7, { id: sent[1]!.id }, [sent[1]!.id]] }))).toBe(true);
    expect(feature.pending).toHaveLength(998);
  });
});

describe('heads from the server', () => {
  it("cannot take the app's stream slots: a stream's first message takes the oldest head-only slot", () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    for (let n = 0; n < 256; n++) expect(link.receive(head(`junk:${n}`, 1))).toBe(true);
    expect(feature.streams.size).toBe(256);
    // Every slot is taken by heads alone: the app's real streams still get tracked.
    expect(link.receive(frame('prices', 7))).toBe(false);
    expect(link.receive(frame('room:lobby', 3))).toBe(false);
    expect(feature.streams.get('prices')).toBe(7);
    expect(feature.streams.get('room:lobby')).toBe(3);
    expect(feature.streams.has('junk:0')).toBe(false);
    expect(feature.streams.has('junk:1')).toBe(false);
    expect(feature.streams.size).toBe(256);
    // And a duplicate of a tracked stream is still caught.
    expect(link.receive(frame('prices', 7))).toBe(true);
  });

  it('cannot push a tracked stream out: more heads past the bound are consumed untracked', () => {
    const feature = delivery({ maxStreams: 2 });
    const link = hostFor(feature);
    link.open();
    link.receive(frame('prices', 1));
    link.receive(head('room:lobby', 4)); // a head for a stream the app subscribed to
    expect(link.receive(head('junk', 9))).toBe(true);
    expect([...feature.streams]).toEqual([
      ['prices', 1],
      ['room:lobby', 4],
    ]);
    // room:lobby's first message makes it a stream like any other: no longer a head's slot.
    link.receive(frame('room:lobby', 5));
    expect(link.receive(frame('other', 1))).toBe(false);
    expect([...feature.streams.keys()]).toEqual(['prices', 'room:lobby']);
  });
});

describe('the protocol page, rule by rule', () => {
  it('numbers a stream from 1: position 0 reads it from its first message, which is neither a repeat nor after a gap', () => {
    const feature = delivery();
    const gaps: unknown[] = [];
    feature.on('gap', (gap) => gaps.push(gap));
    const link = hostFor(feature);
    feature.streams.set('prices', 0);
    link.open();
    expect(link.receive(frame('prices', 1))).toBe(false);
    expect(feature.stats).toEqual({ duplicates: 0, gaps: 0, lost: 0 });
  });

  it('takes a frame with a stream but no integer seq ≥ 0 as no stream frame: the app gets it as it is', () => {
    const link = hostFor(delivery());
    link.open();
    for (const data of ['{"stream":"prices"}', '{"stream":"prices","seq":null}', '{"stream":"prices","seq":"3"}']) {
      expect(jsonPosition(data)).toBeUndefined();
      expect(link.receive(data)).toBe(false);
    }
  });

  it('takes a stream frame without data as a head, whatever other fields it has, and never emits it', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    expect(link.receive('{"stream":"prices","seq":41,"ts":1700000000}')).toBe(true);
    expect(feature.streams.get('prices')).toBe(41);
    // With data, even null, it is a message.
    expect(link.receive('{"stream":"prices","seq":42,"ts":1700000001,"data":null}')).toBe(false);
    expect(feature.streams.get('prices')).toBe(42);
  });

  it('draws ids of 20 characters of [0-9a-v]: within the protocol id rules', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    feature.deliver('x');
    expect(ids(link.wire)[0]).toMatch(/^[0-9a-v]{20}$/);
  });
});
