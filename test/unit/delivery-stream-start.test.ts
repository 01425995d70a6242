// Where a stream starts: the client learns a stream's position from its first frame, so a reopen
// before that frame resumes nothing. An app that wants a stream from its start says so with
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
});
