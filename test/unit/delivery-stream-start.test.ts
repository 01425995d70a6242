// Where a stream starts: from the head a server sends on a subscription it has no position for
// (the reference server does, for a stream it holds), else from the stream's first frame, so a
// reopen before either resumes nothing. An app that wants a stream from its start says so with
// position 0 (the delivery chaos test does).

import { describe, expect, it } from 'vitest';
import { delivery, type Gap } from '../../src/features/delivery';
import { hostFor } from './delivery-host';

const subscribe = JSON.stringify({ subscribe: 'prices' });
const frame = (seq: number) => JSON.stringify({ stream: 'prices', seq, data: seq });

describe('where a stream starts', () => {
  it('sends no resume after a reopen before the first frame: what was published meanwhile is not asked for', () => {
    const feature = delivery();
    const gaps: Gap[] = [];
    feature.on('gap', (gap) => gaps.push(gap));
    const link = hostFor(feature);
    feature.subscribe('prices', subscribe);
    link.open();
    link.drop(); // before any frame; seqs 1-4 are published meanwhile
    link.open();
    expect(link.wire).toEqual([subscribe, subscribe]);
    // The server goes live from seq 5: it is taken as the start, without a gap.
    expect(link.receive(frame(5))).toBe(false);
    expect(gaps).toEqual([]);
    expect(feature.streams.get('prices')).toBe(5);
  });

  it('resumes from the start on every reopen when the position is set to 0 before subscribing', () => {
    const feature = delivery();
    const gaps: Gap[] = [];
    feature.on('gap', (gap) => gaps.push(gap));
    const link = hostFor(feature);
    feature.streams.set('prices', 0);
    feature.subscribe('prices', subscribe);
    link.open();
    link.drop();
    link.open();
    const resume = JSON.stringify({ resume: { prices: 0 } });
    expect(link.wire).toEqual([resume, subscribe, resume, subscribe]);
    // The server replays from seq 1: nothing missing, no gap.
    for (const seq of [1, 2, 3]) expect(link.receive(frame(seq))).toBe(false);
    expect(gaps).toEqual([]);
    expect(feature.streams.get('prices')).toBe(3);
  });

  it('takes the head a server sends on subscribing as the start: a reopen before the next frame resumes from it', () => {
    const feature = delivery();
    const gaps: Gap[] = [];
    const messages: unknown[] = [];
    feature.on('gap', (gap) => gaps.push(gap));
    const link = hostFor(feature);
    feature.subscribe('prices', subscribe);
    link.open();
    // The head is consumed: it carries nothing for the app, and is neither a duplicate nor a gap.
    expect(link.receive('{"stream":"prices","seq":41}')).toBe(true);
    expect(feature.streams.get('prices')).toBe(41);
    link.drop(); // before seq 42; seqs 42-44 are published meanwhile
    link.open();
    expect(link.wire).toEqual([subscribe, JSON.stringify({ resume: { prices: 41 } }), subscribe]);
    for (const seq of [42, 43, 44]) if (!link.receive(frame(seq))) messages.push(seq);
    expect(messages).toEqual([42, 43, 44]);
    expect(gaps).toEqual([]);
    expect(feature.stats).toEqual({ duplicates: 0, gaps: 0, lost: 0 });
  });

  it('lets a head change nothing on a stream it already follows', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    expect(link.receive(frame(5))).toBe(false);
    expect(link.receive('{"stream":"prices","seq":9}')).toBe(true);
    expect(link.receive('{"stream":"prices","seq":2}')).toBe(true);
    expect(feature.streams.get('prices')).toBe(5);
    expect(feature.stats).toEqual({ duplicates: 0, gaps: 0, lost: 0 });
  });

  it('consumes a head past maxStreams without tracking it', () => {
    const feature = delivery({ maxStreams: 0 });
    const link = hostFor(feature);
    link.open();
    expect(link.receive('{"stream":"prices","seq":9}')).toBe(true);
    expect(link.receive(frame(10))).toBe(false);
    expect(feature.streams.size).toBe(0);
  });
});
