// @vitest-environment node
// The ring buffer and the stream hub built on it: bounded per stream and in streams, replay after a seq.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { defaultStreamChannel, encodeStreamMessage, MemoryBus, RingBuffer, StreamHub } from '../../../src/server';

const message = (stream: string, seq: number) => ({ stream, seq, text: encodeStreamMessage(stream, seq, seq) });

describe('RingBuffer', () => {
  it('should keep the last `capacity` items, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.size).toBe(3);
    expect([ring.at(0), ring.at(1), ring.at(2), ring.at(3)]).toEqual([3, 4, 5, undefined]);
    expect(ring.newest()).toBe(5);
  });

  it('should find the suffix after a value, for any contents', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: -1, max: 61 }),
        (capacity, pushed, after) => {
          const ring = new RingBuffer<number>(capacity);
          for (let i = 1; i <= pushed; i++) ring.push(i);
          const expected = Array.from({ length: pushed }, (_, i) => i + 1)
            .slice(-capacity)
            .filter((n) => n > after);
          expect(ring.from((n) => n > after)).toEqual(expected);
        },
      ),
    );
  });

  it('should refuse a capacity below 1', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});

describe('StreamHub', () => {
  it('should replay what it holds after a seq, and show a jump for what it no longer holds', async () => {
    const hub = await StreamHub.attach(new MemoryBus(), { bufferSize: 3 });
    for (let seq = 1; seq <= 5; seq++) hub.accept(message('prices', seq));
    expect(hub.replay('prices', 3).map((m) => m.seq)).toEqual([4, 5]);
    expect(hub.replay('prices', 0).map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(hub.replay('prices', 5)).toEqual([]);
    expect(hub.replay('unknown', 0)).toEqual([]);
  });

  it('should drop repeated and stale seqs', async () => {
    const hub = await StreamHub.attach(new MemoryBus());
    const live: number[] = [];
    hub.listen('s', (m) => live.push(m.seq));
    for (const seq of [1, 2, 2, 1, 3]) hub.accept(message('s', seq));
    expect(live).toEqual([1, 2, 3]);
    expect(hub.lastSeq('s')).toBe(3);
  });

  it('should forget the stream written least recently past maxStreams', async () => {
    const hub = await StreamHub.attach(new MemoryBus(), { maxStreams: 2 });
    hub.accept(message('a', 1));
    hub.accept(message('b', 1));
    hub.accept(message('a', 2));
    hub.accept(message('c', 1));
    expect([hub.lastSeq('a'), hub.lastSeq('b'), hub.lastSeq('c')]).toEqual([2, 0, 1]);
  });

  it('should follow the bus and ignore what is not a stream message', async () => {
    const bus = new MemoryBus();
    bus.onListenerError = vi.fn();
    const hub = await StreamHub.attach(bus);
    for (const text of ['nope', '{"stream":"s"}', '{"stream":"s","seq":0}', '{"stream":"","seq":1}', 'null']) {
      await bus.publish('rws:streams', text);
    }
    await bus.publish('rws:streams', encodeStreamMessage('s', 1, { p: 1 }));
    expect(hub.replay('s', 0).map((m) => m.text)).toEqual(['{"stream":"s","seq":1,"data":{"p":1}}']);
    await hub.close();
    await bus.publish('rws:streams', encodeStreamMessage('s', 2, {}));
    expect(hub.lastSeq('s')).toBe(1);
  });
});

describe('the edges of the stream hub', () => {
  it('refuses a maxStreams that is not a positive integer', async () => {
    for (const maxStreams of [0, -1, 1.5]) {
      await expect(StreamHub.attach(new MemoryBus(), { maxStreams })).rejects.toThrow(/maxStreams/);
    }
    await expect(StreamHub.attach(new MemoryBus(), { maxStreams: 1 })).resolves.toBeInstanceOf(StreamHub);
  });

  it('counts live listeners per stream, and forgets a stream when its last listener leaves', async () => {
    const hub = await StreamHub.attach(new MemoryBus());
    const stops = [hub.listen('prices', () => {}), hub.listen('prices', () => {}), hub.listen('rates', () => {})];
    expect(hub.subscribers()).toEqual({ prices: 2, rates: 1 });
    stops[0]?.();
    expect(hub.subscribers()).toEqual({ prices: 1, rates: 1 });
    stops[1]?.();
    stops[2]?.();
    expect(hub.subscribers()).toEqual({});
    // A stream listened to again after that starts a fresh count.
    const again = hub.listen('prices', () => {});
    stops[0]?.();
    expect(hub.subscribers()).toEqual({ prices: 1 });
    again();
  });

  it('takes from the bus only what parses as a stream message', async () => {
    const bus = new MemoryBus();
    bus.onListenerError = vi.fn();
    const hub = await StreamHub.attach(bus);
    await bus.publish(defaultStreamChannel, 'not json');
    await bus.publish(defaultStreamChannel, encodeStreamMessage('prices', 1, 1));
    expect(hub.lastSeq('prices')).toBe(1);
    expect(bus.onListenerError).not.toHaveBeenCalled();
  });

  it('reads no item at a negative or fractional place', () => {
    const ring = new RingBuffer<number>(3);
    ring.push(1);
    ring.push(2);
    expect([ring.at(-1), ring.at(0.5), ring.at(1), ring.at(2)]).toEqual([undefined, undefined, 2, undefined]);
    // Wrapped: the oldest is no longer in the first slot.
    for (const item of [3, 4]) ring.push(item);
    expect([ring.at(-1), ring.at(-2), ring.at(0), ring.at(2)]).toEqual([undefined, undefined, 2, 4]);
  });
});
