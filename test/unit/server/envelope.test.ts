// @vitest-environment node
// Envelope parsing: every protocol frame, and hostile input that must neither throw nor be trusted.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAck, encodeStreamMessage, parseClientFrame, parseStreamMessage } from '../../../src/server';

describe('parseClientFrame', () => {
  it('should read an acknowledged message', () => {
    expect(parseClientFrame('{"id":"k3x9q2ab.1f","data":{"text":"hi"}}')).toEqual({
      type: 'message',
      id: 'k3x9q2ab.1f',
      data: { text: 'hi' },
    });
    expect(parseClientFrame('{"id":"a.1","data":null}')).toEqual({ type: 'message', id: 'a.1', data: null });
  });

  it('should read a resume, keeping only well-formed positions', () => {
    const frame = parseClientFrame('{"resume":{"prices":41,"room:lobby":7,"bad":-1,"worse":1.5,"":3,"s":"4"}}');
    expect(frame).toEqual({
      type: 'resume',
      positions: new Map([
        ['prices', 41],
        ['room:lobby', 7],
      ]),
    });
  });

  it('should read subscribe and unsubscribe', () => {
    expect(parseClientFrame('{"subscribe":"prices"}')).toEqual({ type: 'subscribe', stream: 'prices' });
    expect(parseClientFrame('{"unsubscribe":"prices"}')).toEqual({ type: 'unsubscribe', stream: 'prices' });
  });

  it('should pass anything else to the app as other', () => {
    expect(parseClientFrame('hello')).toEqual({ type: 'other', value: undefined });
    expect(parseClientFrame('{"type":"ping","id":7}')).toEqual({ type: 'other', value: { type: 'ping', id: 7 } });
    expect(parseClientFrame('[1,2]')).toEqual({ type: 'other', value: [1, 2] });
    expect(parseClientFrame('42')).toEqual({ type: 'other', value: 42 });
  });

  it('should call frames that break the protocol invalid, with a reason', () => {
    for (const text of [
      '{"id":7,"data":1}',
      '{"id":"","data":1}',
      `{"id":"${'x'.repeat(129)}","data":1}`,
      '{"id":"a\\u0000b","data":1}',
      '{"resume":[1]}',
      '{"resume":null}',
      '{"subscribe":{"x":1}}',
      '{"unsubscribe":""}',
    ]) {
      const frame = parseClientFrame(text);
      expect(frame.type, text).toBe('invalid');
    }
  });

  it('should refuse frames over the length limit without parsing them', () => {
    const frame = parseClientFrame(JSON.stringify({ id: 'a', data: 'x'.repeat(100) }), { maxFrameLength: 50 });
    expect(frame).toEqual({ type: 'invalid', reason: 'frame longer than 50 characters' });
  });

  it('should bound a resume to maxResumeEntries and keep __proto__ a plain name', () => {
    const resume = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`s${i}`, i]));
    const frame = parseClientFrame(JSON.stringify({ resume }));
    expect(frame.type === 'resume' && frame.positions.size).toBe(256);
    const proto = parseClientFrame('{"resume":{"__proto__":5,"constructor":2}}');
    expect(proto.type === 'resume' && [...proto.positions]).toEqual([
      ['__proto__', 5],
      ['constructor', 2],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('should survive deeply nested JSON', () => {
    expect(() => parseClientFrame(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).not.toThrow();
    expect(parseClientFrame(`{"id":"a","data":${'['.repeat(5000)}${']'.repeat(5000)}}`).type).toBe('message');
  });

  it('should never throw, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ id: 'a', data: v })),
        ),
        (text) => {
          const frame = parseClientFrame(text);
          expect(['message', 'resume', 'subscribe', 'unsubscribe', 'other', 'invalid']).toContain(frame.type);
        },
      ),
    );
  });
});

describe('encoding', () => {
  it('should encode acks and stream messages as the protocol writes them', () => {
    expect(encodeAck('k3x9q2ab.1f')).toBe('{"ack":"k3x9q2ab.1f"}');
    expect(encodeStreamMessage('prices', 41, { p: 1 })).toBe('{"stream":"prices","seq":41,"data":{"p":1}}');
  });
});

describe('the edges of the frame rules', () => {
  it('takes a frame of exactly maxFrameLength and refuses one character more', () => {
    const frame = (length: number) => `{"id":"a","data":"${'x'.repeat(length - 20)}"}`;
    expect(frame(100)).toHaveLength(100);
    expect(parseClientFrame(frame(100), { maxFrameLength: 100 })).toMatchObject({ type: 'message' });
    expect(parseClientFrame(frame(101), { maxFrameLength: 100 })).toMatchObject({ type: 'invalid' });
  });

  it('ignores limits that are not positive integers, keeping the defaults', () => {
    const long = `{"id":"a","data":"${'x'.repeat(1000)}"}`;
    for (const maxFrameLength of [0, -1, 1.5]) {
      expect(parseClientFrame(long, { maxFrameLength })).toMatchObject({ type: 'message' });
    }
  });

  it('calls what is not a text frame invalid, and JSON that is no object other', () => {
    expect(parseClientFrame(42 as never)).toEqual({ type: 'invalid', reason: 'not a text frame' });
    expect(parseClientFrame('null')).toEqual({ type: 'other', value: null });
    expect(parseClientFrame('[{"id":"a","data":1}]')).toEqual({ type: 'other', value: [{ id: 'a', data: 1 }] });
    expect(parseClientFrame('"id"')).toEqual({ type: 'other', value: 'id' });
  });

  it('keeps a resume from 0 (the start of a stream) and a stream name of exactly the maximum length', () => {
    const name = 'n'.repeat(128);
    const frame = parseClientFrame(JSON.stringify({ resume: { a: 0, [name]: 3, [`${name}x`]: 4, b: -1 } }));
    expect(frame).toEqual({
      type: 'resume',
      positions: new Map([
        ['a', 0],
        [name, 3],
      ]),
    });
  });
});

describe('parseStreamMessage', () => {
  it('reads a stream message from the bus, and nothing from what breaks its rules', () => {
    const text = encodeStreamMessage('prices', 1, { p: 1 });
    expect(parseStreamMessage(text)).toEqual({ stream: 'prices', seq: 1, text });
    for (const bad of [
      'null',
      '"prices"',
      'not json',
      '{"stream":"prices","seq":0,"data":1}',
      '{"stream":"prices","seq":1.5,"data":1}',
      '{"stream":"","seq":1,"data":1}',
      '{"stream":7,"seq":1,"data":1}',
      '{"seq":1,"data":1}',
    ]) {
      expect(parseStreamMessage(bad), bad).toBeUndefined();
    }
  });
});
