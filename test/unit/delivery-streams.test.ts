// The delivery feature's incoming side and reopen order: resume, subscriptions, duplicates, gaps,
// and the default readers of the wire format.

import { describe, expect, it, vi } from 'vitest';
import { delivery, type Gap, jsonAck, jsonPosition } from '../../src/features/delivery';
import { hostFor, ids } from './delivery-host';

const frame = (stream: string, seq: number, data: unknown = null) => JSON.stringify({ stream, seq, data });

describe('reopen order', () => {
  it('sends the resume message first, then the subscriptions, then the outbox, before the queue', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    feature.subscribe('prices', '{"subscribe":"prices"}');
    feature.subscribe('lobby', '{"subscribe":"room:lobby"}');
    link.receive(frame('prices', 41));
    link.receive(frame('room:lobby', 7));
    const pending = feature.deliver('unacked').id;
    expect(link.wire.splice(0)).toEqual(['{"subscribe":"prices"}', '{"subscribe":"room:lobby"}', expect.any(String)]);
    link.drop();
    link.open();
    expect(link.wire).toEqual([
      '{"resume":{"prices":41,"room:lobby":7}}',
      '{"subscribe":"prices"}',
      '{"subscribe":"room:lobby"}',
      `{"id":"${pending}","data":"unacked"}`,
    ]);
  });

  it('sends no resume message before any stream message arrived', () => {
    const feature = delivery();
    const link = hostFor(feature);
    feature.subscribe('prices', 'sub prices');
    link.open();
    expect(link.wire).toEqual(['sub prices']);
  });

  it('takes a custom resume message, or none when it returns undefined', () => {
    let resume: string | undefined = 'R';
    const feature = delivery({ resume: (positions) => resume && `${resume} ${JSON.stringify(positions)}` });
    const link = hostFor(feature);
    link.open();
    link.receive(frame('a', 1));
    link.drop();
    link.open();
    expect(link.wire).toEqual(['R {"a":1}']);
    resume = undefined;
    link.open();
    expect(link.wire).toEqual(['R {"a":1}']);
  });

  it('forgets an unsubscribed subscription and sends the unsubscribe message', () => {
    const feature = delivery();
    const link = hostFor(feature);
    feature.subscribe('a', 'sub a');
    feature.subscribe('b', 'sub b');
    link.open();
    feature.unsubscribe('a', 'unsub a');
    feature.unsubscribe('b');
    link.drop();
    link.open();
    expect(link.wire).toEqual(['sub a', 'sub b', 'unsub a']);
  });

  it('replaces a subscription registered again under the same name', () => {
    const feature = delivery();
    const link = hostFor(feature);
    feature.subscribe('a', 'sub a v1');
    feature.subscribe('a', 'sub a v2');
    link.open();
    expect(link.wire).toEqual(['sub a v2']);
  });
});

describe('stream positions', () => {
  it('delivers messages in sequence and tracks the last seq of each stream', () => {
    const feature = delivery();
    const link = hostFor(feature);
    expect([frame('a', 1), frame('a', 2), frame('b', 10)].map((data) => link.receive(data))).toEqual([
      false,
      false,
      false,
    ]);
    expect(Object.fromEntries(feature.streams)).toEqual({ a: 2, b: 10 });
  });

  it('drops and counts messages already seen', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.receive(frame('a', 5));
    expect(link.receive(frame('a', 5))).toBe(true);
    expect(link.receive(frame('a', 3))).toBe(true);
    expect(link.receive(frame('a', 6))).toBe(false);
    expect(feature.stats.duplicates).toBe(2);
    expect(feature.streams.get('a')).toBe(6);
  });

  it('reports a gap as the missing range, and still delivers the message after it', () => {
    const feature = delivery();
    const gaps: Gap[] = [];
    feature.on('gap', (gap) => gaps.push({ ...gap }));
    const link = hostFor(feature);
    link.receive(frame('a', 1));
    expect(link.receive(frame('a', 5))).toBe(false);
    expect(link.receive(frame('a', 6))).toBe(false);
    expect(gaps).toEqual([{ stream: 'a', from: 2, to: 4 }]);
    expect(feature.stats.gaps).toBe(1);
  });

  it('takes the first message of a stream as its start, whatever its seq', () => {
    const feature = delivery();
    const gaps: Gap[] = [];
    feature.on('gap', (gap) => gaps.push(gap));
    const link = hostFor(feature);
    expect(link.receive(frame('a', 900))).toBe(false);
    expect(link.receive(frame('b', 0))).toBe(false);
    expect(link.receive(frame('b', 0))).toBe(true);
    expect(gaps).toEqual([]);
  });

  it('tracks at most maxStreams streams, and lets the others through untracked', () => {
    const feature = delivery({ maxStreams: 2 });
    const link = hostFor(feature);
    link.receive(frame('a', 1));
    link.receive(frame('b', 1));
    expect([frame('c', 1), frame('c', 1), frame('b', 1)].map((data) => link.receive(data))).toEqual([
      false,
      false,
      true,
    ]);
    expect([...feature.streams.keys()]).toEqual(['a', 'b']);
  });

  it('reports a listener that throws as uncaught, and still delivers the message', () => {
    const reported: unknown[] = [];
    const original = Object.getOwnPropertyDescriptor(globalThis, 'reportError');
    Object.defineProperty(globalThis, 'reportError', {
      value: (error: unknown) => reported.push(error),
      configurable: true,
      writable: true,
    });
    try {
      const feature = delivery();
      const after = vi.fn();
      feature.on('gap', () => {
        throw new Error('listener bug');
      });
      const link = hostFor(feature);
      link.receive(frame('a', 1));
      expect(link.receive(frame('a', 3))).toBe(false);
      expect(reported).toEqual([new Error('listener bug')]);
      link.open();
      feature.on('state', after);
      feature.deliver('x');
      expect(after).toHaveBeenCalledTimes(2);
    } finally {
      if (original) Object.defineProperty(globalThis, 'reportError', original);
      else Reflect.deleteProperty(globalThis, 'reportError');
    }
  });

  it('takes a reader that throws as saying "not mine"', () => {
    const feature = delivery({
      ackOf: (data) => JSON.parse(data as string).ack,
      position: (data) => JSON.parse(data as string).at,
    });
    const link = hostFor(feature);
    expect(link.receive('plain text')).toBe(false);
    expect(link.receive('{"at":{"stream":"a","seq":1}}')).toBe(false);
    expect(link.receive('{"at":{"stream":"a","seq":1}}')).toBe(true);
  });

  it('takes a custom position reader', () => {
    const feature = delivery({
      position: (data) => {
        const [stream, seq] = String(data).split('#');
        return seq ? { stream, seq: Number(seq) } : undefined;
      },
    });
    const link = hostFor(feature);
    expect(['s#1', 's#1', 's#2', 'plain'].map((data) => link.receive(data))).toEqual([false, true, false, false]);
  });
});

describe('default wire readers', () => {
  it('reads the common stream frame without parsing it', () => {
    expect({ ...jsonPosition('{"stream":"prices","seq":41,"data":{"p":1}}') }).toEqual({ stream: 'prices', seq: 41 });
    expect({ ...jsonPosition('{"stream":"room:lobby","seq":0,"data":null}') }).toEqual({
      stream: 'room:lobby',
      seq: 0,
    });
  });

  it('reads a head: a stream frame without data, whatever other fields it has', () => {
    expect({ ...jsonPosition('{"stream":"room:lobby","seq":7}') }).toEqual({
      stream: 'room:lobby',
      seq: 7,
      head: true,
    });
    expect({ ...jsonPosition('{"stream":"a\\"b","seq":3}') }).toEqual({ stream: 'a"b', seq: 3, head: true });
    expect({ ...jsonPosition('{"seq":3,"stream":"a"}') }).toEqual({});
    // The protocol page: a head is a stream frame with no `data`; other fields do not make it a message.
    expect({ ...jsonPosition('{"stream":"a","x":1,"seq":3}') }).toEqual({ stream: 'a', seq: 3, head: true });
    expect({ ...jsonPosition('{"stream":"a","seq":3,"ts":1700000000}') }).toEqual({ stream: 'a', seq: 3, head: true });
    expect({ ...jsonPosition('{"stream":"a","seq":3,"ts":1,"data":2}') }).toEqual({ stream: 'a', seq: 3 });
    expect({ ...jsonPosition('{"stream":"a","seq":3,"data":null}') }).toEqual({ stream: 'a', seq: 3 });
  });

  it('parses the unusual: escapes, another field order after the stream, big numbers', () => {
    expect({ ...jsonPosition('{"stream":"a\\"b","seq":3,"data":0}') }).toEqual({ stream: 'a"b', seq: 3 });
    expect({ ...jsonPosition('{"stream":"a","data":1,"seq":3}') }).toEqual({ stream: 'a', seq: 3 });
    // Data that holds a stream frame of its own: the outer frame's name and seq, never the inner's.
    expect({ ...jsonPosition('{"stream":"a\\"b","seq":3,"data":{"stream":"x","seq":9,"data":0}}') }).toEqual({
      stream: 'a"b',
      seq: 3,
    });
    expect({ ...jsonPosition('{"stream":"a","data":{"stream":"x","seq":9,"data":0},"seq":3}') }).toEqual({
      stream: 'a',
      seq: 3,
    });
    expect({ ...jsonPosition('{"stream":"a","seq":9007199254740991,"data":1}') }).toEqual({
      stream: 'a',
      seq: 2 ** 53 - 1,
    });
  });

  it('reads nothing from other frames, and never throws', () => {
    for (const data of [
      'prices',
      '{"seq":1,"stream":"a"}',
      '{"stream":"a","seq":1.5}',
      '{"stream":"a","seq":-1}',
      '{"stream":"a","seq":"1"}',
      '{"stream":"a","seq":1',
      '{"stream":"a',
      '{"stream":"a","seq":1e400}',
      '{"stream":"a","seq":90071992547409930}',
      '{"stream":"a","seq":9007199254740992}',
      '{"stream":"a","seq":,"data":1}',
      new ArrayBuffer(8),
      undefined,
    ]) {
      expect(jsonPosition(data)).toBeUndefined();
    }
  });

  it('reads acks of one id or several, and nothing else', () => {
    expect(jsonAck('{"ack":"k.1"}')).toBe('k.1');
    expect(jsonAck('{"ack":["k.1","k.2"]}')).toEqual(['k.1', 'k.2']);
    for (const data of ['{"ack":1}', '{"ack":', ' {"ack":"k.1"}', '{"id":"k.1"}', new Blob(['{"ack":"k.1"}'])]) {
      expect(jsonAck(data)).toBeUndefined();
    }
  });

  it('lets stream messages and acks mix on one connection', () => {
    const feature = delivery();
    const link = hostFor(feature);
    link.open();
    const sending = feature.deliver('x');
    expect(link.receive(frame('a', 1))).toBe(false);
    expect(link.receive(`{"ack":"${sending.id}"}`)).toBe(true);
    expect(link.receive(frame('a', 1))).toBe(true);
    expect(ids(link.wire)).toEqual([sending.id]);
  });
});
