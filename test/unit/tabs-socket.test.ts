// A follower tab's socket: a WebSocket to its client, frames on the channel to the leader. It opens
// when the leader says so, hands over messages in order, and closes with 1006 when the leader goes
// or a message is missing, so the client reconnects.

import { describe, expect, it } from 'vitest';
import { TabChannel } from '../../src/tabs/channel';
import type { Body, Frame, Leadership } from '../../src/tabs/frames';
import { type PortLink, TabSocket } from '../../src/tabs/socket';
import { FakeBus, settle } from './tabs-fakes';

const key = 'chat';

function setup(given?: Leadership | null) {
  const leadership = given === null ? undefined : (given ?? { epoch: 1, leader: 'a' });
  const bus = new FakeBus();
  const leader = new TabChannel(key, 'a', bus.for('a'));
  const channel = new TabChannel(key, 'b', bus.for('b'));
  const heard: Frame[] = [];
  leader.listen((frame) => frame.from === 'b' && heard.push(frame));
  const ports = new Set<TabSocket>();
  const state = { leadership };
  let ids = 0;
  const link: PortLink = {
    channel,
    leadership: () => state.leadership,
    register(port) {
      ports.add(port);
      return () => ports.delete(port);
    },
    portId: () => `b.${++ids}`,
  };
  channel.listen((frame) => {
    for (const port of [...ports]) port.hear(frame);
  });
  const say = (body: Body, as: Leadership = state.leadership as Leadership) => leader.post({ ...as, ...body } as never);
  const events: string[] = [];
  const socket = (url = 'wss://example.com/ws', protocols?: string | string[]) => {
    const port = new TabSocket(link, url, protocols);
    port.onopen = () => events.push('open');
    port.onmessage = (event) => events.push(`message ${event.data}`);
    port.onerror = () => events.push('error');
    port.onclose = (event) => events.push(`close ${event.code} ${event.wasClean}`);
    return port;
  };
  const follow = (next: Leadership | undefined) => {
    state.leadership = next;
    for (const port of [...ports]) port.follow(next);
  };
  return { heard, say, socket, events, follow, ports };
}

const types = (frames: Frame[]) => frames.map((frame) => frame.type);

describe('a tab’s socket', () => {
  it('dials the leader, opens when told, and sends what the open listeners sent as one ready frame', async () => {
    const { heard, say, socket, events } = setup();
    const port = socket('wss://example.com/ws', 'chat.v1');
    expect(port.readyState).toBe(WebSocket.CONNECTING);
    expect(() => port.send('too early')).toThrow(DOMException);
    port.onopen = () => {
      events.push('open');
      port.send('{"resume":{"a":1}}');
      port.send('{"subscribe":"a"}');
    };
    await settle();
    expect(heard).toMatchObject([
      { type: 'connect', port: 'b.1', url: 'wss://example.com/ws', protocols: ['chat.v1'] },
    ]);
    say({ type: 'open', port: 'b.1', n: 4, protocol: 'chat.v1', extensions: '' });
    await settle();
    expect(port.readyState).toBe(WebSocket.OPEN);
    expect(port.protocol).toBe('chat.v1');
    port.send('later');
    await settle();
    expect(heard.slice(1)).toMatchObject([
      { type: 'ready', port: 'b.1', frames: ['{"resume":{"a":1}}', '{"subscribe":"a"}'], epoch: 1, leader: 'a' },
      { type: 'send', port: 'b.1', data: 'later' },
    ]);
    expect(events).toEqual(['open']);
  });

  it('hands over messages in order from the number the open gave, each once', async () => {
    const { say, socket, events } = setup();
    socket();
    await settle();
    say({ type: 'message', n: 4, data: 'before' });
    say({ type: 'open', port: 'b.1', n: 4, protocol: '', extensions: '' });
    say({ type: 'message', n: 5, data: 'one' });
    say({ type: 'message', n: 5, data: 'one again' });
    say({ type: 'message', n: 6, data: 'two' });
    await settle();
    expect(events).toEqual(['open', 'message one', 'message two']);
  });

  it('is lost (1006) when a message is missing, and tells the leader it went', async () => {
    const { say, socket, events, heard } = setup();
    socket();
    await settle();
    say({ type: 'open', port: 'b.1', n: 0, protocol: '', extensions: '' });
    say({ type: 'message', n: 1, data: 'one' });
    say({ type: 'message', n: 3, data: 'three' });
    await settle();
    expect(events).toEqual(['open', 'message one', 'error', 'close 1006 false']);
    expect(heard.at(-1)).toMatchObject({ type: 'close', port: 'b.1', reason: 'missed messages' });
  });

  it('ignores the frames of another leadership, and opens for its own only', async () => {
    const { say, socket, events } = setup();
    const port = socket();
    await settle();
    say({ type: 'open', port: 'b.1', n: 0, protocol: '', extensions: '' }, { epoch: 0, leader: 'z' });
    say({ type: 'open', port: 'b.2', n: 0, protocol: '', extensions: '' });
    await settle();
    expect(port.readyState).toBe(WebSocket.CONNECTING);
    expect(events).toEqual([]);
  });

  it('is lost (1006) when the leadership changes, and a socket still dialling dials the new leader', async () => {
    const { say, socket, events, follow, heard } = setup();
    const open = socket();
    await settle();
    say({ type: 'open', port: 'b.1', n: 0, protocol: '', extensions: '' });
    await settle();
    const dialling = socket();
    follow({ epoch: 2, leader: 'c' });
    await settle();
    expect(open.readyState).toBe(WebSocket.CLOSED);
    expect(events).toEqual(['open', 'error', 'close 1006 false']);
    expect(dialling.readyState).toBe(WebSocket.CONNECTING);
    expect(heard.filter((frame) => frame.type === 'connect')).toMatchObject([
      { port: 'b.1', epoch: 1 },
      { port: 'b.2', epoch: 1 },
      { port: 'b.2', epoch: 2, leader: 'c' },
    ]);
  });

  it('waits for a leader before dialling', async () => {
    const { socket, follow, heard } = setup(null);
    socket();
    await settle();
    expect(heard).toEqual([]);
    follow({ epoch: 3, leader: 'a' });
    await settle();
    expect(types(heard)).toEqual(['connect']);
  });

  it('closes with the code the leader reports for the connection', async () => {
    const { say, socket, events } = setup();
    socket();
    await settle();
    say({ type: 'open', port: 'b.1', n: 0, protocol: '', extensions: '' });
    say({ type: 'close', port: '*', code: 4001, reason: 'bad token' });
    await settle();
    expect(events).toEqual(['open', 'close 4001 true']);
  });

  it('on close(), tells the leader and closes cleanly with its code, later', async () => {
    const { say, socket, events, heard } = setup();
    const port = socket();
    await settle();
    say({ type: 'open', port: 'b.1', n: 0, protocol: '', extensions: '' });
    await settle();
    port.close(4000, 'done');
    expect(port.readyState).toBe(WebSocket.CLOSING);
    port.send('dropped');
    await settle();
    expect(events).toEqual(['open', 'close 4000 true']);
    expect(heard.slice(1).map((frame) => [frame.type, 'reason' in frame && frame.reason])).toEqual([
      ['ready', false],
      ['close', 'done'],
    ]);
    expect(() => port.close(1001)).toThrow(DOMException);
  });

  it('hands binary messages over as Blob or ArrayBuffer, as binaryType asks', async () => {
    const { say, socket } = setup();
    const port = socket();
    const got: unknown[] = [];
    port.onmessage = (event) => got.push(event.data);
    await settle();
    say({ type: 'open', port: 'b.1', n: 0, protocol: '', extensions: '' });
    say({ type: 'message', n: 1, data: new Uint8Array([1]).buffer });
    await settle();
    port.binaryType = 'arraybuffer';
    say({ type: 'message', n: 2, data: new Uint8Array([2]).buffer });
    await settle();
    expect(got[0]).toBeInstanceOf(Blob);
    expect(got[1]).toBeInstanceOf(ArrayBuffer);
  });

  it('dispatches to addEventListener listeners too', async () => {
    const { say, socket } = setup();
    const port = socket();
    const got: string[] = [];
    port.addEventListener('message', (event) => got.push((event as MessageEvent).data));
    await settle();
    say({ type: 'open', port: 'b.1', n: 0, protocol: '', extensions: '' });
    say({ type: 'message', n: 1, data: 'hi' });
    await settle();
    expect(got).toEqual(['hi']);
  });
});
