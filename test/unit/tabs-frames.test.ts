// The tabs' channel frames: every type read back as sent, everything else (another app's posts,
// another version's, malformed frames) ignored and counted, never thrown into the app.

import { describe, expect, it, vi } from 'vitest';
import { TabChannel } from '../../src/tabs/channel';
import { type Frame, newer, readFrame, same } from '../../src/tabs/frames';
import { FakeBus, settle } from './tabs-fakes';

const key = 'chat';
const envelope = { v: 1, key, from: 'tab1', epoch: 3, leader: 'tab1' };

const valid: Frame[] = [
  { ...envelope, type: 'beat', at: 1_700_000_000_000 },
  { ...envelope, type: 'bye' },
  { ...envelope, type: 'connect', port: 'tab2.1', url: 'wss://example.com/ws', protocols: ['chat.v1'] },
  { ...envelope, type: 'open', port: 'tab2.1', n: 0, protocol: 'chat.v1', extensions: '' },
  { ...envelope, type: 'ready', port: 'tab2.1', frames: ['{"resume":{"a":1}}', new ArrayBuffer(2)] },
  { ...envelope, type: 'send', port: 'tab2.1', data: 'hello' },
  { ...envelope, type: 'send', port: 'tab2.1', data: new Uint8Array([1, 2]) },
  { ...envelope, type: 'message', n: 7, data: '{"stream":"a","seq":2,"data":1}' },
  { ...envelope, type: 'close', port: '*', code: 1006, reason: '' },
  { ...envelope, type: 'close', port: 'tab2.1', code: 4000, reason: 'bye' },
  { ...envelope, type: 'hello', epoch: 0, leader: 'tab1' },
];

describe('reading frames', () => {
  it.each(valid.map((frame) => [frame.type, frame]))('reads a %s frame as sent', (_, frame) => {
    expect(readFrame(structuredClone(frame), key)).toEqual(frame);
  });

  it.each([
    ['null', null],
    ['a string', '{"v":1}'],
    ['a number', 42],
    ['an array', [1, 2]],
    ['another key', { ...valid[0], key: 'other' }],
    ['no version', { key, type: 'beat', from: 'x', epoch: 1, leader: 'x', at: 1 }],
  ])('takes %s for another app’s post', (_, data) => {
    expect(readFrame(data, key)).toBe('foreign');
  });

  it.each([0, 2, '1', null])('takes version %s for another version', (v) => {
    expect(readFrame({ ...valid[0], v }, key)).toBe('version');
  });

  const malformed: [string, unknown][] = [
    ['an unknown type', { ...envelope, type: 'welcome' }],
    ['an inherited type', { ...envelope, type: 'toString' }],
    ['no sender', { ...valid[1], from: '' }],
    ['a long sender', { ...valid[1], from: 'x'.repeat(65) }],
    ['a negative epoch', { ...valid[1], epoch: -1 }],
    ['a fractional epoch', { ...valid[1], epoch: 1.5 }],
    ['an epoch that could not be counted past', { ...valid[1], epoch: 2 ** 40 }],
    ['no leader', { ...valid[1], leader: undefined }],
    ['a beat without time', { ...envelope, type: 'beat' }],
    ['a connect without url', { ...valid[2], url: 3 }],
    ['a connect with protocols not a list', { ...valid[2], protocols: 'chat' }],
    ['a connect with a huge protocol', { ...valid[2], protocols: ['p'.repeat(257)] }],
    ['an open without n', { ...valid[3], n: undefined }],
    ['an open with a protocol not text', { ...valid[3], protocol: {} }],
    ['a ready with frames not a list', { ...valid[4], frames: 'x' }],
    ['a ready with an object among its frames', { ...valid[4], frames: ['x', { a: 1 }] }],
    ['a ready with too many frames', { ...valid[4], frames: new Array(10_001).fill('x') }],
    ['a send without port', { ...valid[5], port: undefined }],
    ['a send of an object', { ...valid[5], data: { text: 'hi' } }],
    ['a send of a number', { ...valid[5], data: 5 }],
    ['a message with a negative n', { ...valid[7], n: -1 }],
    ['a message without data', { ...valid[7], data: undefined }],
    ['a close with code 999', { ...valid[8], code: 999 }],
    ['a close with code 5000', { ...valid[8], code: 5000 }],
    ['a close with a long reason', { ...valid[8], reason: 'r'.repeat(124) }],
    ['a close without port', { ...valid[8], port: undefined }],
  ];
  it.each(malformed)('takes %s for malformed', (_, data) => {
    expect(readFrame(data, key)).toBe('malformed');
  });

  it('takes a frame whose fields throw for malformed, and does not throw', () => {
    const hostile = {
      ...envelope,
      get type(): string {
        throw new Error('boom');
      },
    };
    expect(readFrame(hostile, key)).toBe('malformed');
  });
});

describe('ordering leaderships', () => {
  it('orders by epoch, then by tab id, so every tab agrees which is newer', () => {
    expect(newer({ epoch: 2, leader: 'a' }, { epoch: 1, leader: 'z' })).toBe(true);
    expect(newer({ epoch: 1, leader: 'z' }, { epoch: 2, leader: 'a' })).toBe(false);
    expect(newer({ epoch: 2, leader: 'b' }, { epoch: 2, leader: 'a' })).toBe(true);
    expect(newer({ epoch: 2, leader: 'a' }, { epoch: 2, leader: 'a' })).toBe(false);
    expect(newer({ epoch: 1, leader: 'a' }, undefined)).toBe(true);
    expect(same({ epoch: 2, leader: 'a' }, { epoch: 2, leader: 'a' })).toBe(true);
    expect(same({ epoch: 2, leader: 'a' }, undefined)).toBe(false);
  });
});

describe('the channel', () => {
  it('hands valid frames to every listener, this tab’s own posts included, and counts what it ignores', async () => {
    const bus = new FakeBus();
    const one = new TabChannel(key, 'one', bus.for('one'));
    const two = new TabChannel(key, 'two', bus.for('two'));
    const heard: [string, string][] = [];
    one.listen((frame) => heard.push(['one', frame.type]));
    two.listen((frame) => heard.push(['two', frame.type]));
    expect(one.post({ type: 'bye', epoch: 1, leader: 'one' })).toBe(true);
    bus.inject('resilient-ws:chat', 'garbage');
    bus.inject('resilient-ws:chat', { ...valid[0], v: 0 });
    bus.inject('resilient-ws:chat', { ...valid[0], epoch: 'x' });
    await settle();
    expect(heard).toEqual([
      ['two', 'bye'],
      ['one', 'bye'],
    ]);
    expect(two.ignored).toEqual({ foreign: 1, version: 1, malformed: 1 });
    expect(one.ignored).toEqual({ foreign: 1, version: 1, malformed: 1 });
  });

  it('stamps frames with the version, the key and the tab', async () => {
    const bus = new FakeBus();
    const one = new TabChannel(key, 'one', bus.for('one'));
    const two = new TabChannel(key, 'two', bus.for('two'));
    const heard: Frame[] = [];
    two.listen((frame) => heard.push(frame));
    one.post({ type: 'beat', epoch: 1, leader: 'one', at: 5 });
    await settle();
    expect(heard).toEqual([{ v: 1, key, from: 'one', type: 'beat', epoch: 1, leader: 'one', at: 5 }]);
  });

  it('keeps channels of different keys apart', async () => {
    const bus = new FakeBus();
    const chat = new TabChannel('chat', 'one', bus.for('one'));
    const prices = new TabChannel('prices', 'two', bus.for('two'));
    const heard = vi.fn();
    prices.listen(heard);
    chat.post({ type: 'bye', epoch: 1, leader: 'one' });
    await settle();
    expect(heard).not.toHaveBeenCalled();
  });

  it('reports a listener that throws, and the other listeners still hear the frame', async () => {
    const bus = new FakeBus();
    const one = new TabChannel(key, 'one', bus.for('one'));
    const reported = vi.fn();
    vi.stubGlobal('reportError', reported);
    const after = vi.fn();
    one.listen(() => {
      throw new Error('listener');
    });
    one.listen(after);
    one.post({ type: 'bye', epoch: 1, leader: 'one' });
    await settle();
    vi.unstubAllGlobals();
    expect(after).toHaveBeenCalledTimes(1);
    expect(reported).toHaveBeenCalledWith(new Error('listener'));
  });

  it('posts nothing once closed, and says so', async () => {
    const bus = new FakeBus();
    const one = new TabChannel(key, 'one', bus.for('one'));
    const two = new TabChannel(key, 'two', bus.for('two'));
    const heard = vi.fn();
    two.listen(heard);
    one.close();
    expect(one.post({ type: 'bye', epoch: 1, leader: 'one' })).toBe(false);
    await settle();
    expect(heard).not.toHaveBeenCalled();
  });

  it('says a post failed when the data cannot be cloned', () => {
    const one = new TabChannel(key, 'one', () => ({
      onmessage: null,
      close() {},
      postMessage(message: unknown) {
        structuredClone(message);
      },
    }));
    expect(one.post({ type: 'send', epoch: 1, leader: 'one', port: 'p', data: (() => {}) as never })).toBe(false);
  });
});
