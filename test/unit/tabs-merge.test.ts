// Merging the delivery protocol's frames of several tabs onto one connection: one resume at the
// lowest position of each stream, subscriptions as a counted union, released when a tab goes.

import { describe, expect, it } from 'vitest';
import { jsonMergeCodec, Merge } from '../../src/tabs/merge';

const resume = (positions: Record<string, number>) => JSON.stringify({ resume: positions });
const sub = (stream: string) => JSON.stringify({ subscribe: stream });
const unsub = (stream: string) => JSON.stringify({ unsubscribe: stream });
const message = (id: string) => JSON.stringify({ id, data: id });

describe('merging on open', () => {
  it('sends one resume with the lowest position of each stream, each subscription once, then each tab’s rest in order', () => {
    const merge = new Merge();
    const out = merge.open([
      ['a', [resume({ prices: 41, chat: 7 }), sub('prices'), sub('chat'), message('a1'), message('a2')]],
      ['b', [resume({ prices: 39, news: 3 }), sub('prices'), sub('news'), message('b1')]],
      ['c', [sub('chat')]],
    ]);
    expect(out).toEqual([
      resume({ prices: 39, chat: 7, news: 3 }),
      sub('prices'),
      sub('chat'),
      sub('news'),
      message('a1'),
      message('a2'),
      message('b1'),
    ]);
    expect(merge.wanted('prices')).toBe(2);
    expect(merge.wanted('chat')).toBe(2);
  });

  it('sends no resume when no tab has a position', () => {
    expect(new Merge().open([['a', [sub('prices'), 'hello']]])).toEqual([sub('prices'), 'hello']);
  });

  it('passes binary frames and frames of other shapes as they are', () => {
    const buffer = new ArrayBuffer(3);
    expect(new Merge().open([['a', [buffer, '{"subscribe":5}', '{"resume":"x"}']]])).toEqual([
      buffer,
      '{"subscribe":5}',
      '{"resume":"x"}',
    ]);
  });
});

describe('merging on a connection already open', () => {
  it('sends a later tab’s resume only for streams not yet subscribed, as the whole set of positions', () => {
    const merge = new Merge();
    merge.open([['a', [resume({ prices: 41 }), sub('prices')]]]);
    expect(merge.send('b', resume({ prices: 10 }))).toEqual([]);
    expect(merge.send('b', resume({ news: 3, prices: 10 }))).toEqual([resume({ prices: 41, news: 3 })]);
    expect(merge.send('c', resume({ news: 5 }))).toEqual([]);
  });

  it('subscribes a stream once, and unsubscribes it on the server only when no tab wants it', () => {
    const merge = new Merge();
    expect(merge.send('a', sub('prices'))).toEqual([sub('prices')]);
    expect(merge.send('b', sub('prices'))).toEqual([]);
    expect(merge.send('b', sub('prices'))).toEqual([]);
    expect(merge.wanted('prices')).toBe(2);
    expect(merge.send('a', unsub('prices'))).toEqual([]);
    expect(merge.send('b', unsub('prices'))).toEqual([unsub('prices')]);
    expect(merge.wanted('prices')).toBe(0);
    // A tab that unsubscribes what it never subscribed changes nothing.
    expect(merge.send('c', unsub('prices'))).toEqual([]);
  });

  it('releases a tab’s subscriptions when it goes, unsubscribing what no other tab wants', () => {
    const merge = new Merge();
    merge.send('a', sub('prices'));
    merge.send('a', sub('chat'));
    merge.send('b', sub('prices'));
    expect(merge.leave('a')).toEqual([unsub('chat')]);
    expect(merge.wanted('prices')).toBe(1);
    expect(merge.leave('b')).toEqual([unsub('prices')]);
    expect(merge.leave('b')).toEqual([]);
  });

  it('forgets everything when the connection closes: every tab subscribes again on the next', () => {
    const merge = new Merge();
    merge.open([['a', [resume({ prices: 4 }), sub('prices')]]]);
    merge.reset();
    expect(merge.wanted('prices')).toBe(0);
    expect(merge.open([['a', [resume({ prices: 9 }), sub('prices')]]])).toEqual([resume({ prices: 9 }), sub('prices')]);
  });

  it('passes frames of its own shape unchanged when the codec throws on them', () => {
    const merge = new Merge({
      ...jsonMergeCodec,
      resumeOf() {
        throw new Error('codec');
      },
      subscriptionOf() {
        throw new Error('codec');
      },
    });
    expect(merge.send('a', sub('prices'))).toEqual([sub('prices')]);
  });
});

describe('the protocol codec', () => {
  it('reads resumes, keeping only valid positions, a stream named __proto__ included', () => {
    const positions = jsonMergeCodec.resumeOf('{"resume":{"a":1,"b":-1,"c":1.5,"d":"2","__proto__":3}}');
    expect(Object.entries(positions as object)).toEqual([
      ['a', 1],
      ['__proto__', 3],
    ]);
    expect(jsonMergeCodec.resumeOf('{"resume":[1]}')).toBeUndefined();
    expect(jsonMergeCodec.resumeOf('{"resume":')).toBeUndefined();
    expect(jsonMergeCodec.resumeOf(new ArrayBuffer(1))).toBeUndefined();
  });

  it('reads subscribe and unsubscribe frames, with names of 1 to 128 characters', () => {
    expect(jsonMergeCodec.subscriptionOf(sub('prices'))).toEqual({ stream: 'prices', subscribe: true });
    expect(jsonMergeCodec.subscriptionOf(unsub('prices'))).toEqual({ stream: 'prices', subscribe: false });
    expect(jsonMergeCodec.subscriptionOf(sub(''))).toBeUndefined();
    expect(jsonMergeCodec.subscriptionOf(sub('x'.repeat(129)))).toBeUndefined();
    expect(jsonMergeCodec.subscriptionOf('{"subscribe":"a"')).toBeUndefined();
  });
});
