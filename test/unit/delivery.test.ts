// The delivery feature's outbox: ids, order, resends, acks, overflow, ack timeouts, closing.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isResilientError } from '../../src/core/errors';
import { type DeliveryError, delivery, type MessageState } from '../../src/features/delivery';
import { hostFor, ids } from './delivery-host';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

// Ids are 20 base-32 characters.
const anId = /^[0-9a-v]{20}$/;

/** Records every `state` event as `id state` (and the error's reason). */
function states(feature: ReturnType<typeof delivery>) {
  const log: string[] = [];
  feature.on('state', (id: string, state: MessageState, error?: DeliveryError) =>
    log.push(`${id} ${state}${error ? ` ${error.reason}` : ''}`),
  );
  return log;
}

describe('acknowledged sends', () => {
  it('wraps each message in the JSON envelope with an id of 20 base-32 characters, each of its own', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    for (let index = 0; index < 1000; index++) feature.deliver({ n: index });
    const sent = ids(link.wire);
    expect(link.wire[0]).toBe(`{"id":"${sent[0]}","data":{"n":0}}`);
    expect(sent.every((id) => anId.test(id))).toBe(true);
    expect(new Set(sent).size).toBe(1000);
  });

  it("draws ids from the platform's cryptographic random, the low 5 bits of each byte", () => {
    const draw = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation((array) => {
      (array as Uint8Array).set(Array.from({ length: 20 }, (_, i) => 224 + i));
      return array;
    });
    try {
      // 224 + i keeps only its low 5 bits: i, then 16..19 again for 16..19.
      expect(delivery().deliver('x').id).toBe('0123456789abcdefghij');
      expect(draw).toHaveBeenCalledOnce();
    } finally {
      draw.mockRestore();
    }
  });

  it('transmits at once when open, and resolves and consumes on the ack', async () => {
    const feature = delivery();
    const log = states(feature);
    const link = hostFor(feature);
    link.open();
    const sending = feature.deliver('hi');
    const { id } = sending;
    expect(link.wire).toEqual([`{"id":"${id}","data":"hi"}`]);
    expect(feature.pending).toEqual([expect.objectContaining({ id: sending.id, data: 'hi', state: 'sent' })]);
    expect(link.receive(`{"ack":"${sending.id}"}`)).toBe(true);
    await expect(sending).resolves.toBeUndefined();
    expect(feature.pending).toEqual([]);
    expect(log).toEqual([`${id} queued`, `${id} sent`, `${id} acked`]);
  });

  it('holds messages while not open and sends them in order at the open', () => {
    const feature = delivery();
    const log = states(feature);
    const link = hostFor(feature);
    const sent = ['a', 'b', 'c'].map((text) => feature.deliver(text).id);
    expect(link.wire).toEqual([]);
    expect(feature.pending.map((message) => message.state)).toEqual(['queued', 'queued', 'queued']);
    link.open();
    expect(ids(link.wire)).toEqual(sent);
    expect(log.filter((line) => line.endsWith('sent'))).toEqual(sent.map((id) => `${id} sent`));
  });

  it('keeps messages sent before the client attaches, for its first open', () => {
    const feature = delivery();
    const id = feature.deliver('early').id;
    const link = hostFor(feature);
    link.open();
    expect(ids(link.wire)).toEqual([id]);
  });

  it('resends every unacked message after a reopen, in order, with the same frames', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    const sent = ['a', 'b', 'c', 'd'].map((text) => feature.deliver(text).id);
    const first = link.wire.splice(0);
    link.receive(`{"ack":"${sent[1]}"}`);
    link.drop();
    const late = feature.deliver('e').id;
    link.open();
    expect(link.wire).toEqual([first[0], first[2], first[3], `{"id":"${late}","data":"e"}`]);
    link.drop();
    link.open();
    expect(ids(link.wire.splice(4))).toEqual([sent[0], sent[2], sent[3], late]);
  });

  it('takes acks of several ids at once, and ignores unknown ids while still consuming the ack', async () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    const [a, b] = [feature.deliver(1), feature.deliver(2)];
    expect(link.receive(JSON.stringify({ ack: [a.id, b.id, 'other.1'] }))).toBe(true);
    expect(link.receive('{"ack":"other.2"}')).toBe(true);
    await expect(Promise.all([a, b])).resolves.toEqual([undefined, undefined]);
  });

  it('lets other messages through to the app', () => {
    const link = hostFor(delivery());
    for (const data of ['hello', '{"acked":1}', '{"ack":5}', '{"ack":', new ArrayBuffer(4)]) {
      expect(link.receive(data)).toBe(false);
    }
  });

  it('has no `send` member, which the client would call as its send hook for every plain send', () => {
    expect('send' in delivery()).toBe(false);
  });
});

describe('overflow', () => {
  it('rejects a message beyond maxMessages with a typed error, and keeps the others', async () => {
    const feature = delivery({ maxMessages: 2 });
    const log = states(feature);
    hostFor(feature);
    const kept = [feature.deliver('a'), feature.deliver('b')];
    const over = feature.deliver('c');
    const error = await over.catch((thrown) => thrown);
    expect(isResilientError(error, 'DeliveryError')).toBe(true);
    expect(error).toMatchObject({ reason: 'overflow', id: over.id, name: 'DeliveryError' });
    expect(error.message).toContain(over.id);
    expect(feature.pending.map((message) => message.id)).toEqual(kept.map((sending) => sending.id));
    expect(log.at(-1)).toBe(`${over.id} dropped overflow`);
  });

  it('bounds the bytes of wrapped frames, and frees them on the ack', async () => {
    // Each frame of one character is 40 bytes: {"id":"<20 characters>","data":"x"}.
    const feature = delivery({ maxBytes: 80 });
    const link = hostFor(feature);
    link.open();
    const [a] = [feature.deliver('x'), feature.deliver('y')];
    expect(link.wire[0]).toHaveLength(40);
    await expect(feature.deliver('z')).rejects.toMatchObject({ reason: 'overflow' });
    link.receive(`{"ack":"${a.id}"}`);
    feature.deliver('w');
    expect(feature.pending.map((message) => message.data)).toEqual(['y', 'w']);
  });

  it('rejects a message larger than maxBytes on its own', async () => {
    const feature = delivery({ maxBytes: 40 });
    await expect(feature.deliver('x'.repeat(20))).rejects.toMatchObject({ reason: 'overflow' });
  });
});

describe('ack timeout', () => {
  it('resends after ackTimeout on an open connection, and drops after maxResends', async () => {
    const feature = delivery({ ackTimeout: 1000, maxResends: 2 });
    const log = states(feature);
    const link = hostFor(feature);
    link.open();
    const sending = feature.deliver('a');
    vi.advanceTimersByTime(999);
    expect(link.wire).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(link.wire).toHaveLength(2);
    vi.advanceTimersByTime(1000);
    expect(ids(link.wire)).toEqual([sending.id, sending.id, sending.id]);
    vi.advanceTimersByTime(1000);
    await expect(sending).rejects.toMatchObject({ reason: 'timeout', id: sending.id });
    expect(feature.pending).toEqual([]);
    expect(link.wire).toHaveLength(3);
    expect(log.at(-1)).toBe(`${sending.id} dropped timeout`);
  });

  it('times each message from when it went out', () => {
    const feature = delivery({ ackTimeout: 1000 });
    const link = hostFor(feature);
    link.open();
    const a = feature.deliver('a').id;
    vi.advanceTimersByTime(600);
    const b = feature.deliver('b').id;
    vi.advanceTimersByTime(400);
    expect(ids(link.wire)).toEqual([a, b, a]);
    vi.advanceTimersByTime(600);
    expect(ids(link.wire)).toEqual([a, b, a, b]);
  });

  it('does not count time while the connection is down; the reopen resends instead', async () => {
    const feature = delivery({ ackTimeout: 1000, maxResends: 1 });
    const link = hostFor(feature);
    link.open();
    const sending = feature.deliver('a');
    link.drop();
    vi.advanceTimersByTime(10_000);
    expect(link.wire).toHaveLength(1);
    link.open();
    expect(link.wire).toHaveLength(2);
    link.receive(`{"ack":"${sending.id}"}`);
    await expect(sending).resolves.toBeUndefined();
  });

  it('times acks again on the next connection', () => {
    const feature = delivery({ ackTimeout: 1000 });
    const link = hostFor(feature);
    link.open();
    const id = feature.deliver('a').id;
    vi.advanceTimersByTime(500);
    link.drop();
    vi.advanceTimersByTime(5000);
    link.open();
    vi.advanceTimersByTime(999);
    expect(ids(link.wire)).toEqual([id, id]);
    vi.advanceTimersByTime(1);
    expect(ids(link.wire)).toEqual([id, id, id]);
  });

  it('resends only on reopens with ackTimeout 0', () => {
    const feature = delivery({ ackTimeout: 0 });
    const link = hostFor(feature);
    link.open();
    feature.deliver('a');
    vi.advanceTimersByTime(1e9);
    expect(link.wire).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('closing', () => {
  it('rejects what is pending when the client disposes the feature, and stops its timer', async () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    const sending = [feature.deliver('a'), feature.deliver('b')];
    link.dispose();
    for (const message of sending) await expect(message).rejects.toMatchObject({ reason: 'closed' });
    expect(feature.pending).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects what is pending on close(), and takes new messages after', async () => {
    const feature = delivery();
    const link = hostFor(feature);
    const before = feature.deliver('a');
    feature.close();
    await expect(before).rejects.toMatchObject({ reason: 'closed', name: 'DeliveryError' });
    const after = feature.deliver('b');
    link.open();
    expect(ids(link.wire)).toEqual([after.id]);
  });

  it('reports each message once when a state listener closes again', () => {
    const feature = delivery();
    const log = states(feature);
    const sent = [feature.deliver('a').id, feature.deliver('b').id];
    feature.on('state', (_id, state) => state === 'dropped' && feature.close());
    feature.close();
    expect(log.slice(2)).toEqual(sent.map((id) => `${id} dropped closed`));
  });

  it('never leaves a rejection unhandled when the app ignores the promise', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    const feature = delivery({ maxMessages: 1 });
    feature.deliver('a');
    feature.deliver('b');
    feature.close();
    await vi.waitFor(() => new Promise((resolve) => setImmediate(resolve)));
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });
});
