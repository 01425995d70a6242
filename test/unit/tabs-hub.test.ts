// The leader's hub: one real socket for every tab's port, opened by the first and closed after the
// last; the first frames of all ports merged on open; each port's frames in its order; every
// message to all tabs, numbered.

import { beforeEach, describe, expect, it } from 'vitest';
import { TabChannel } from '../../src/tabs/channel';
import type { Body, Frame } from '../../src/tabs/frames';
import { Hub } from '../../src/tabs/hub';
import { FakeBus, FakeClock, FakeSocket, settle } from './tabs-fakes';

const key = 'chat';
const leadership = { epoch: 1, leader: 'a' };

/** A hub in tab a and a tab b that talks to it; `options` override the hub's. */
function setup(options: Partial<ConstructorParameters<typeof Hub>[0]> = {}) {
  const bus = new FakeBus();
  const clock = new FakeClock();
  const own = new TabChannel(key, 'a', bus.for('a'));
  const hub = new Hub({
    channel: own,
    leadership,
    WebSocket: FakeSocket,
    timers: clock.timers('a'),
    gatherTimeout: 500,
    ...options,
  });
  own.listen((frame) => hub.hear(frame));
  const tab = new TabChannel(key, 'b', bus.for('b'));
  const heard: Frame[] = [];
  tab.listen((frame) => frame.from === 'a' && heard.push(frame));
  const say = (body: Body, as = leadership) => tab.post({ ...as, ...body } as never);
  const connect = (port: string) => say({ type: 'connect', port, url: 'wss://example.com/ws', protocols: [] });
  /** Port b.1 connects, the socket opens, and b.1 is ready with nothing to send. */
  const openOne = async () => {
    connect('b.1');
    await settle();
    socket().accept();
    say({ type: 'ready', port: 'b.1', frames: [] });
    await settle();
  };
  return { hub, clock, heard, say, connect, openOne };
}

const socket = () => FakeSocket.all.at(-1) as FakeSocket;

beforeEach(() => {
  FakeSocket.all = [];
});

describe('the leader’s hub', () => {
  it('dials once for the first port, and opens every port waiting when the socket opens', async () => {
    const { connect, heard } = setup();
    connect('b.1');
    connect('c.1');
    await settle();
    expect(FakeSocket.all).toHaveLength(1);
    expect(socket().url).toBe('wss://example.com/ws');
    socket().accept();
    await settle();
    expect(heard).toMatchObject([
      { type: 'open', port: 'b.1', n: 0, epoch: 1, leader: 'a' },
      { type: 'open', port: 'c.1', n: 0 },
    ]);
  });

  it('waits for every port’s first frames, then sends one resume, each subscription once, then the rest', async () => {
    const { connect, say } = setup();
    connect('b.1');
    connect('c.1');
    await settle();
    socket().accept();
    say({ type: 'ready', port: 'b.1', frames: ['{"resume":{"p":5}}', '{"subscribe":"p"}', 'b-first'] });
    say({ type: 'send', port: 'b.1', data: 'b-second' });
    await settle();
    expect(socket().sent).toEqual([]);
    say({ type: 'ready', port: 'c.1', frames: ['{"resume":{"p":3}}', '{"subscribe":"p"}'] });
    await settle();
    expect(socket().sent).toEqual(['{"resume":{"p":3}}', '{"subscribe":"p"}', 'b-first', 'b-second']);
    say({ type: 'send', port: 'c.1', data: 'c-live' });
    await settle();
    expect(socket().sent.at(-1)).toBe('c-live');
  });

  it('sends what it has after gatherTimeout when a port never answers, and takes that port later', async () => {
    const { connect, say, clock } = setup();
    connect('b.1');
    connect('c.1');
    await settle();
    socket().accept();
    say({ type: 'ready', port: 'b.1', frames: ['{"subscribe":"p"}'] });
    await clock.advance(499);
    expect(socket().sent).toEqual([]);
    await clock.advance(1);
    expect(socket().sent).toEqual(['{"subscribe":"p"}']);
    say({ type: 'ready', port: 'c.1', frames: ['{"resume":{"q":1}}', '{"subscribe":"p"}', '{"subscribe":"q"}'] });
    await settle();
    expect(socket().sent).toEqual(['{"subscribe":"p"}', '{"resume":{"q":1}}', '{"subscribe":"q"}']);
  });

  it('sends every message to all tabs, numbered, and gives a port that comes soon after the open every message so far', async () => {
    const { connect, heard, openOne } = setup();
    await openOne();
    socket().receive('one');
    socket().receive('two');
    connect('c.1');
    await settle();
    expect(heard.slice(1)).toMatchObject([
      { type: 'message', n: 1, data: 'one' },
      { type: 'message', n: 2, data: 'two' },
      { type: 'open', port: 'c.1', n: 0 },
      { type: 'message', n: 1, data: 'one' },
      { type: 'message', n: 2, data: 'two' },
    ]);
  });

  it('opens a port that comes later than 3 s after the open from the next number', async () => {
    const { connect, heard, clock, openOne } = setup();
    await openOne();
    socket().receive('one');
    await clock.advance(3000);
    connect('c.1');
    await settle();
    expect(heard.slice(1)).toMatchObject([
      { type: 'message', n: 1, data: 'one' },
      { type: 'open', port: 'c.1', n: 1 },
    ]);
    expect(heard).toHaveLength(3);
  });

  it('waits dialDelay before the first dial, so every port coming back is merged in the first frames', async () => {
    const { clock, connect, say } = setup({ dialDelay: 400 });
    connect('b.1');
    await clock.advance(300);
    expect(FakeSocket.all).toHaveLength(0);
    connect('c.1');
    await clock.advance(100);
    expect(FakeSocket.all).toHaveLength(1);
    socket().accept();
    say({ type: 'ready', port: 'b.1', frames: ['{"resume":{"p":80}}', '{"subscribe":"p"}'] });
    say({ type: 'ready', port: 'c.1', frames: ['{"resume":{"p":78}}', '{"subscribe":"p"}'] });
    await settle();
    expect(socket().sent).toEqual(['{"resume":{"p":78}}', '{"subscribe":"p"}']);
  });

  it('releases a port’s subscriptions when it closes, and closes the socket after the last', async () => {
    const { connect, say } = setup();
    connect('b.1');
    connect('c.1');
    await settle();
    socket().accept();
    say({ type: 'ready', port: 'b.1', frames: ['{"subscribe":"p"}', '{"subscribe":"q"}'] });
    say({ type: 'ready', port: 'c.1', frames: ['{"subscribe":"p"}'] });
    say({ type: 'close', port: 'b.1', code: 1000, reason: '' });
    await settle();
    expect(socket().sent.slice(2)).toEqual(['{"unsubscribe":"q"}']);
    say({ type: 'close', port: 'c.1', code: 1000, reason: '' });
    await settle();
    expect(socket().sent.slice(3)).toEqual(['{"unsubscribe":"p"}']);
    expect(socket().closedWith).toEqual([1000, 'no tab left']);
  });

  it('closes every port with the socket’s code when the socket closes, and dials again for the next port', async () => {
    const { connect, heard, openOne } = setup();
    await openOne();
    socket().end(1012, 'restart');
    await settle();
    expect(heard.at(-1)).toMatchObject({ type: 'close', port: '*', code: 1012, reason: 'restart' });
    connect('b.2');
    await settle();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('hears nothing of another leadership, nor after it stopped', async () => {
    const { connect, say, hub } = setup();
    say({ type: 'connect', port: 'b.1', url: 'wss://x/', protocols: [] }, { epoch: 0, leader: 'a' });
    say({ type: 'connect', port: 'b.1', url: 'wss://x/', protocols: [] }, { epoch: 1, leader: 'z' });
    await settle();
    expect(FakeSocket.all).toHaveLength(0);
    connect('b.1');
    await settle();
    hub.stop();
    expect(socket().closedWith).toEqual([1000, 'leader steps down']);
    connect('b.2');
    await settle();
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('closes the ports waiting when the WebSocket constructor throws', async () => {
    const { say, heard } = setup({
      WebSocket: class {
        constructor() {
          throw new SyntaxError('bad url');
        }
      } as never,
    });
    say({ type: 'connect', port: 'b.1', url: 'nope', protocols: [] });
    await settle();
    expect(heard).toMatchObject([{ type: 'close', port: '*', code: 1006 }]);
  });
});
