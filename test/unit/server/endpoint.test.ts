// @vitest-environment node
// The endpoint on a fake socket: acks for every copy, one hand-over per id, replay then live, and
// hostile frames that change nothing.

import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import {
  createMemoryPublisher,
  type DeliveryEndpointOptions,
  deliveryEndpoint,
  encodeStreamMessage,
  MemoryBus,
  MemoryDedupStore,
  StreamHub,
} from '../../../src/server';

class FakeSocket extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closed: [number, string] | undefined;
  paused = false;
  send(text: string) {
    this.sent.push(text);
  }
  close(code: number, reason: string) {
    this.closed = [code, reason];
    this.readyState = 3;
    this.emit('close');
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  receive(text: string) {
    this.emit('message', Buffer.from(text), false);
  }
}

async function setup(options: Partial<DeliveryEndpointOptions> = {}) {
  const socket = new FakeSocket();
  const delivered: unknown[] = [];
  const hub = await StreamHub.attach(new MemoryBus(), { bufferSize: 4 });
  const connection = deliveryEndpoint(socket as unknown as WebSocket, {
    scope: 'alice',
    dedup: new MemoryDedupStore(),
    streams: hub,
    onMessage: (data) => {
      delivered.push(data);
    },
    ...options,
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const publish = (stream: string, seq: number) =>
    hub.accept({ stream, seq, text: encodeStreamMessage(stream, seq, seq) });
  const seqs = () => socket.sent.filter((t) => t.startsWith('{"stream"')).map((t) => JSON.parse(t).seq as number);
  return { socket, delivered, hub, connection, settle, publish, seqs };
}

describe('deliveryEndpoint', () => {
  it('should ack every copy and hand the data over once', async () => {
    const { socket, delivered, settle } = await setup();
    for (let i = 0; i < 3; i++) socket.receive('{"id":"a.1","data":{"n":1}}');
    socket.receive('{"id":"a.2","data":2}');
    await settle();
    expect(delivered).toEqual([{ n: 1 }, 2]);
    expect(socket.sent).toEqual(['{"ack":"a.1"}', '{"ack":"a.1"}', '{"ack":"a.1"}', '{"ack":"a.2"}']);
  });

  it('should ack only after the handler finished, in arrival order', async () => {
    const order: string[] = [];
    let finish!: () => void;
    const { socket, settle } = await setup({
      onMessage: (_, id) => {
        order.push(`handle ${id}`);
        if (id === 'a.1') return new Promise<void>((resolve) => (finish = resolve));
      },
    });
    socket.receive('{"id":"a.1","data":1}');
    socket.receive('{"id":"a.2","data":2}');
    await settle();
    expect(socket.sent).toEqual([]);
    finish();
    await settle();
    expect(order).toEqual(['handle a.1', 'handle a.2']);
    expect(socket.sent).toEqual(['{"ack":"a.1"}', '{"ack":"a.2"}']);
  });

  it('should release the id and close with 1011 when the handler throws, so a resend is delivered', async () => {
    const dedup = new MemoryDedupStore();
    const onError = vi.fn();
    const { socket, settle } = await setup({ dedup, onError, onMessage: () => Promise.reject(new Error('db down')) });
    socket.receive('{"id":"a.1","data":1}');
    await settle();
    expect(socket.closed).toEqual([1011, 'message handler failed']);
    expect(socket.sent).toEqual([]);
    expect(onError).toHaveBeenCalledOnce();
    expect(dedup.claim('alice', 'a.1')).toBe('first');
  });

  it('should close with 1011 without acking when the dedup store fails', async () => {
    const { socket, delivered, settle } = await setup({
      dedup: { claim: () => Promise.reject(new Error('redis down')), complete: () => {}, release: () => {} },
      onError: () => {},
    });
    socket.receive('{"id":"a.1","data":1}');
    await settle();
    expect(delivered).toEqual([]);
    expect(socket.closed?.[0]).toBe(1011);
  });

  it('should hold a copy while another copy is being handled, then ack it without handing it over', async () => {
    const dedup = new MemoryDedupStore();
    let finish!: () => void;
    const handled: string[] = [];
    const onMessage = (_: unknown, id: string) => {
      handled.push(id);
      return new Promise<void>((resolve) => (finish = resolve));
    };
    const first = await setup({ dedup, onMessage });
    const second = await setup({ dedup, onMessage });
    first.socket.receive('{"id":"a.1","data":1}');
    await first.settle();
    second.socket.receive('{"id":"a.1","data":1}');
    await vi.waitFor(() => expect(second.socket.sent).toEqual([]));
    finish();
    await vi.waitFor(() => expect(second.socket.sent).toEqual(['{"ack":"a.1"}']));
    expect(first.socket.sent).toEqual(['{"ack":"a.1"}']);
    expect(handled).toEqual(['a.1']);
  });

  it('should hand a held copy over when the first handler fails', async () => {
    const dedup = new MemoryDedupStore();
    let fail!: (error: Error) => void;
    const first = await setup({
      dedup,
      onError: () => {},
      onMessage: () => new Promise((_, reject) => (fail = reject)),
    });
    const second = await setup({ dedup });
    first.socket.receive('{"id":"a.1","data":"x"}');
    await first.settle();
    second.socket.receive('{"id":"a.1","data":"x"}');
    await first.settle();
    fail(new Error('db down'));
    await vi.waitFor(() => expect(second.socket.sent).toEqual(['{"ack":"a.1"}']));
    expect(second.delivered).toEqual(['x']);
    expect(first.socket.closed?.[0]).toBe(1011);
  });

  it('should close with 1013 when the other copy takes longer than pendingWaitMs', async () => {
    const { socket } = await setup({
      pendingWaitMs: 1,
      dedup: { claim: () => 'pending', complete() {}, release() {} },
    });
    socket.receive('{"id":"a.1","data":1}');
    await vi.waitFor(() => expect(socket.closed).toEqual([1013, 'message still being handled: resend later']));
    expect(socket.sent).toEqual([]);
  });

  it('should let a stopping server wait for the message in hand, so its claim is completed, not cut off', async () => {
    const store = new MemoryDedupStore();
    let answer!: () => void;
    const complete = vi.fn((scope: string, id: string) => store.complete(scope, id));
    const { socket, connection, settle } = await setup({
      dedup: {
        claim: (scope, id) => new Promise((resolve) => (answer = () => resolve(store.claim(scope, id)))),
        complete,
        release: (scope, id) => store.release(scope, id),
      },
    });
    socket.receive('{"id":"a.1","data":1}');
    socket.receive('{"id":"a.2","data":2}');
    await settle();
    socket.close(1012, 'restarting'); // the claim of a.1 is in flight
    let idle = false;
    const waiting = connection.idle().then(() => {
      idle = true;
    });
    await settle();
    expect(idle).toBe(false);
    answer();
    await waiting;
    // Handled and recorded as done: a resend elsewhere is a duplicate, not held as pending.
    expect(complete).toHaveBeenCalledWith('alice', 'a.1');
    expect(store.claim('alice', 'a.1')).toBe('done');
    // What came after it is left to the client's resend.
    expect(store.claim('alice', 'a.2')).toBe('first');
  });

  it('should be idle at once, without claiming again, when the socket closes while its copy is held', async () => {
    const claim = vi.fn((): 'pending' => 'pending');
    const { socket, connection } = await setup({ dedup: { claim, complete() {}, release() {} } });
    socket.receive('{"id":"a.1","data":1}');
    await vi.waitFor(() => expect(claim).toHaveBeenCalledTimes(1));
    socket.close(1012, 'restarting');
    const timeout = new Promise((resolve) => setTimeout(() => resolve('still busy'), 200));
    expect(await Promise.race([connection.idle().then(() => 'idle'), timeout])).toBe('idle');
    expect(claim).toHaveBeenCalledTimes(1);
    expect(socket.sent).toEqual([]);
  });

  it('should replay after the resumed seq, then go live without repeats', async () => {
    const { socket, publish, seqs, settle } = await setup();
    for (let seq = 1; seq <= 3; seq++) publish('prices', seq);
    socket.receive('{"resume":{"prices":1}}');
    socket.receive('{"subscribe":"prices"}');
    await settle();
    publish('prices', 3); // a repeat from the bus
    publish('prices', 4);
    expect(seqs()).toEqual([2, 3, 4]);
  });

  it('should show a jump when the buffer no longer holds what the client missed', async () => {
    const { socket, publish, seqs, settle } = await setup();
    for (let seq = 1; seq <= 10; seq++) publish('prices', seq);
    socket.receive('{"resume":{"prices":2}}');
    socket.receive('{"subscribe":"prices"}');
    await settle();
    expect(seqs()).toEqual([7, 8, 9, 10]);
  });

  it('should send the head and go live, without replay, for a stream missing from the resume, and stop on unsubscribe', async () => {
    const { socket, publish, seqs, settle, connection } = await setup();
    publish('prices', 1);
    socket.receive('{"subscribe":"prices"}');
    await settle();
    // The head: where the stream stands, with no data, so the client can resume from there.
    expect(socket.sent.at(-1)).toBe('{"stream":"prices","seq":1}');
    publish('prices', 2);
    expect(connection.subscriptions).toEqual(new Map([['prices', 2]]));
    socket.receive('{"unsubscribe":"prices"}');
    await settle();
    publish('prices', 3);
    expect(seqs()).toEqual([1, 2]);
  });

  it('should send no head for a stream it holds nothing of', async () => {
    const { socket, publish, seqs, settle } = await setup();
    socket.receive('{"subscribe":"prices"}');
    await settle();
    publish('prices', 1);
    expect(seqs()).toEqual([1]);
    expect(JSON.parse(socket.sent.at(-1) as string)).toHaveProperty('data');
  });

  it('should resume from the last seq sent when a stream is subscribed again on the same socket', async () => {
    const { socket, publish, seqs, settle } = await setup();
    socket.receive('{"resume":{"prices":0}}');
    socket.receive('{"subscribe":"prices"}');
    await settle();
    publish('prices', 1);
    socket.receive('{"unsubscribe":"prices"}');
    await settle();
    publish('prices', 2);
    socket.receive('{"subscribe":"prices"}');
    await settle();
    publish('prices', 3);
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('should ignore hostile frames and report them as invalid', async () => {
    const invalid: string[] = [];
    const other: string[] = [];
    const { socket, delivered, settle } = await setup({
      onInvalid: (reason) => invalid.push(reason),
      onOther: (text) => other.push(text),
      limits: { maxFrameLength: 100, maxSubscriptions: 2 },
    });
    socket.receive('{"id":42,"data":1}');
    socket.receive(`{"id":"a","data":"${'x'.repeat(400)}"}`);
    socket.receive('{"resume":"everything"}');
    for (const stream of ['a', 'b', 'c']) socket.receive(JSON.stringify({ subscribe: stream }));
    socket.receive('not json');
    socket.emit('message', Buffer.from([0xff, 0xfe]), true);
    await settle();
    expect(delivered).toEqual([]);
    expect(socket.sent).toEqual([]);
    expect(invalid).toHaveLength(4);
    expect(other).toEqual(['not json']);
  });

  it('should stop reading while too many messages wait for the dedup store', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { socket, settle } = await setup({
      maxPending: 4,
      dedup: { claim: () => gate.then(() => 'first' as const), complete: () => {}, release: () => {} },
    });
    for (let i = 0; i < 3; i++) socket.receive(`{"id":"a.${i}","data":${i}}`);
    expect(socket.paused).toBe(false);
    socket.receive('{"id":"a.3","data":3}');
    expect(socket.paused).toBe(true);
    release();
    await settle();
    expect(socket.paused).toBe(false);
    expect(socket.sent).toHaveLength(4);
  });

  it('should close a client that cannot keep up with 1013', async () => {
    const { socket, publish, settle } = await setup({ maxBufferedBytes: 10 });
    socket.receive('{"subscribe":"prices"}');
    await settle();
    socket.bufferedAmount = 11;
    publish('prices', 1);
    expect(socket.closed).toEqual([1013, 'too slow: resume later']);
  });
});

describe('deliveryEndpoint streams, what the hub alone does not guard', () => {
  /** A hub whose live messages the test sends by hand, so that replay and live can overlap. */
  function handHub(replayed: number[]) {
    const listeners: ((message: { stream: string; seq: number; text: string }) => void)[] = [];
    const message = (seq: number) => ({ stream: 'prices', seq, text: encodeStreamMessage('prices', seq, seq) });
    const hub = {
      lastSeq: () => replayed.at(-1) ?? 0,
      replay: () => replayed.map(message),
      listen: (_: string, listener: (typeof listeners)[number]) => {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      },
    };
    const live = (seq: number) => {
      for (const listener of [...listeners]) listener(message(seq));
    };
    return { hub: hub as unknown as StreamHub, live, listeners };
  }

  it('never sends a seq twice when the live stream repeats what the replay sent', async () => {
    const { hub, live } = handHub([6, 7]);
    const { socket, seqs, settle } = await setup({ streams: hub });
    socket.receive('{"resume":{"prices":5}}');
    socket.receive('{"subscribe":"prices"}');
    await settle();
    live(7);
    live(8);
    expect(seqs()).toEqual([6, 7, 8]);
  });

  it('listens once to a stream subscribed twice, and ignores an unsubscribe from a stream it never had', async () => {
    const { hub, live, listeners } = handHub([]);
    const onError = vi.fn();
    const { socket, seqs, settle } = await setup({ streams: hub, onError });
    socket.receive('{"subscribe":"prices"}');
    socket.receive('{"subscribe":"prices"}');
    socket.receive('{"unsubscribe":"rates"}');
    await settle();
    expect(listeners).toHaveLength(1);
    live(1);
    expect(seqs()).toEqual([1]);
    expect(onError).not.toHaveBeenCalled();
  });

  it('serves no stream that canSubscribe refuses, and says so', async () => {
    const invalid: string[] = [];
    const { socket, publish, seqs, settle } = await setup({
      canSubscribe: (stream) => stream !== 'secret',
      onInvalid: (reason) => invalid.push(reason),
    });
    socket.receive('{"subscribe":"secret"}');
    socket.receive('{"subscribe":"prices"}');
    await settle();
    publish('secret', 1);
    publish('prices', 1);
    expect(socket.sent.map((text) => JSON.parse(text).stream)).toEqual(['prices']);
    expect(seqs()).toEqual([1]);
    expect(invalid).toEqual(['subscription to secret refused']);
  });

  it('tells the app about each duplicate it acks', async () => {
    const onDuplicate = vi.fn();
    const { socket, settle } = await setup({ onDuplicate });
    socket.receive('{"id":"a.1","data":1}');
    socket.receive('{"id":"a.1","data":1}');
    await settle();
    expect(onDuplicate.mock.calls).toEqual([['a.1']]);
  });

  it('keeps a client whose buffer is exactly at maxBufferedBytes', async () => {
    const { socket, publish, settle } = await setup({ maxBufferedBytes: 10 });
    socket.receive('{"subscribe":"prices"}');
    await settle();
    socket.bufferedAmount = 10;
    publish('prices', 1);
    expect(socket.closed).toBeUndefined();
  });
});

describe('deliveryEndpoint reading and backpressure', () => {
  it('hands binary frames to onBinary, and reads a text frame that ws gives in fragments', async () => {
    const binary: Uint8Array[] = [];
    const { socket, delivered, settle } = await setup({ onBinary: (bytes) => binary.push(bytes) });
    socket.emit('message', Buffer.from([1, 2, 3]), true);
    socket.emit('message', [Buffer.from('{"id":"a.1",'), Buffer.from('"data":1}')], false);
    await settle();
    expect(binary.map((bytes) => [...bytes])).toEqual([[1, 2, 3]]);
    expect(delivered).toEqual([1]);
  });

  it('reads a frame within maxFrameLength whatever its bytes (up to 3 per character)', async () => {
    const { socket, delivered, settle } = await setup({ limits: { maxFrameLength: 100 } });
    socket.receive(`{"id":"a.1","data":"${'x'.repeat(60)}"}`);
    socket.receive(`{"id":"a.2","data":"${'€'.repeat(60)}"}`);
    await settle();
    expect(delivered).toEqual(['x'.repeat(60), '€'.repeat(60)]);
  });

  it('reads again once fewer than half of maxPending wait', async () => {
    const gates: (() => void)[] = [];
    const { socket, settle } = await setup({
      maxPending: 4,
      dedup: {
        claim: () => new Promise((resolve) => gates.push(() => resolve('first'))),
        complete: () => {},
        release: () => {},
      },
    });
    for (let i = 0; i < 4; i++) socket.receive(`{"id":"a.${i}","data":${i}}`);
    const paused: boolean[] = [socket.paused];
    for (let i = 0; i < 4; i++) {
      await settle();
      gates[i]?.();
      await settle();
      paused.push(socket.paused);
    }
    // 4 waiting: paused; 3 and 2 still; 1 (fewer than half of 4): reading again.
    expect(paused).toEqual([true, true, true, false, false]);
  });

  it('sends nothing once detached, not even the ack of the message in hand', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { socket, connection, settle } = await setup({
      dedup: { claim: () => gate.then(() => 'first' as const), complete: () => {}, release: () => {} },
    });
    socket.receive('{"id":"a.1","data":1}');
    await settle();
    connection.detach();
    release();
    await settle();
    expect(socket.sent).toEqual([]);
  });

  it('closes with 1013 only beyond the default 4 MiB of buffered bytes', async () => {
    const { socket, publish, settle } = await setup();
    socket.receive('{"subscribe":"prices"}');
    await settle();
    socket.bufferedAmount = 4 * 1024 * 1024;
    publish('prices', 1);
    expect(socket.closed).toBeUndefined();
    socket.bufferedAmount += 1;
    publish('prices', 2);
    expect(socket.closed).toEqual([1013, 'too slow: resume later']);
  });

  it('leaves no listener on the hub when the replay itself overflows the client', async () => {
    const { socket, hub, publish, settle } = await setup({ maxBufferedBytes: 10 });
    for (let seq = 1; seq <= 3; seq++) publish('prices', seq);
    socket.bufferedAmount = 11;
    socket.receive('{"resume":{"prices":0}}');
    socket.receive('{"subscribe":"prices"}');
    await settle();
    expect(socket.closed).toEqual([1013, 'too slow: resume later']);
    expect(hub.subscribers()).toEqual({});
  });

  it('subscribed again after an unsubscribe that came before any message, starts from the head', async () => {
    const { socket, publish, settle } = await setup();
    socket.receive('{"subscribe":"prices"}');
    await settle();
    socket.receive('{"unsubscribe":"prices"}');
    await settle();
    publish('prices', 1);
    publish('prices', 2);
    socket.receive('{"subscribe":"prices"}');
    await settle();
    expect(socket.sent).toEqual(['{"stream":"prices","seq":2}']);
  });
});

describe('deliveryEndpoint scopes', () => {
  it("should hand over alice's message under an id mallory sent first, and mallory's as mallory's", async () => {
    const dedup = new MemoryDedupStore();
    const handled: [unknown, string, string][] = [];
    const onMessage = (data: unknown, id: string, scope: string) => {
      handled.push([data, id, scope]);
    };
    const mallory = await setup({ dedup, onMessage, scope: 'mallory' });
    const alice = await setup({ dedup, onMessage, scope: 'alice' });
    mallory.socket.receive('{"id":"a.2","data":"forged"}');
    await mallory.settle();
    alice.socket.receive('{"id":"a.2","data":"real"}');
    await alice.settle();
    expect(handled).toEqual([
      ['forged', 'a.2', 'mallory'],
      ['real', 'a.2', 'alice'],
    ]);
    expect(alice.socket.sent).toEqual(['{"ack":"a.2"}']);
  });

  it('should refuse to serve a connection without a scope, before reading anything', () => {
    for (const scope of [undefined, '', 'x'.repeat(257), 7]) {
      const socket = new FakeSocket();
      expect(() =>
        deliveryEndpoint(socket as unknown as WebSocket, {
          scope: scope as string,
          dedup: new MemoryDedupStore(),
          onMessage: () => {},
        }),
      ).toThrow(/options\.scope must be a string/);
      expect(socket.listenerCount('message')).toBe(0);
    }
  });
});

describe('the protocol page, rule by rule, on the server', () => {
  it("numbers a stream from 1, and the publisher's first message replays after a resume from 0", async () => {
    const bus = new MemoryBus();
    const hub = await StreamHub.attach(bus);
    const publisher = createMemoryPublisher(bus);
    expect(await publisher.publish('prices', 'first')).toBe(1);
    expect(await publisher.publish('prices', 'second')).toBe(2);
    await vi.waitFor(() => expect(hub.lastSeq('prices')).toBe(2));
    expect(hub.replay('prices', 0).map((message) => JSON.parse(message.text))).toEqual([
      { stream: 'prices', seq: 1, data: 'first' },
      { stream: 'prices', seq: 2, data: 'second' },
    ]);
  });

  it('sends a head as a stream frame without data, and no head at all for a stream it holds nothing of', async () => {
    const { socket, publish, settle } = await setup();
    publish('prices', 1);
    socket.receive('{"subscribe":"prices"}');
    socket.receive('{"subscribe":"empty"}');
    await settle();
    expect(socket.sent.map((text) => JSON.parse(text))).toEqual([{ stream: 'prices', seq: 1 }]);
  });
});
