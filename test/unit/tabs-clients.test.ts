// Clients in several tabs sharing one connection: each runs the ordinary core client with the
// delivery feature, over the socket `Tabs` gives it. One WebSocket for all; every tab gets every
// message once, in order; a follower's sends and acknowledged messages go through the leader; when
// the leader's tab closes, another leads and nothing acknowledged is lost.

import { beforeEach, describe, expect, it } from 'vitest';
import { delivery } from '../../src/features/delivery';
import type { Role } from '../../src/tabs/election';
import { Tabs } from '../../src/tabs/tabs';
import { FakeProfile, FakeSocket, settle } from './tabs-fakes';

const url = 'wss://example.com/ws';

function browser() {
  const profile = new FakeProfile();
  let count = 0;
  function open(name: string) {
    const tabs = new Tabs('chat', profile.tab(name, ++count / 100));
    const roles: Role[] = [];
    tabs.on('role', (role) => roles.push(role));
    const chat = delivery({ ackTimeout: 0 });
    const { client, messages } = profile.client(name, url, { WebSocket: tabs.WebSocket, features: [chat] });
    return {
      name,
      tabs,
      client,
      chat,
      roles,
      messages,
      /** The tab is closed: the browser frees its locks, its channel and timers go. */
      gone() {
        profile.close(name);
        // What little runs of it still (its own channel's loopback) stops too.
        tabs.stop();
      },
    };
  }
  return { open, clock: profile.clock };
}

/** The server: accepts every new socket, acks every acknowledged message, counts what it got. */
function server() {
  const received: string[] = [];
  const accept = () => {
    for (const socket of FakeSocket.all)
      if (socket.readyState === 0) {
        socket.accept();
        const send = socket.send.bind(socket);
        socket.send = (data: unknown) => {
          send(data);
          received.push(String(data));
          const id = typeof data === 'string' && data.startsWith('{"id":') ? JSON.parse(data).id : undefined;
          if (id) queueMicrotask(() => socket.readyState === 1 && socket.receive(JSON.stringify({ ack: id })));
        };
      }
  };
  return { received, accept, live: () => FakeSocket.open() };
}

beforeEach(() => {
  FakeSocket.all = [];
});

describe('tabs sharing one connection', () => {
  it('holds one WebSocket for three tabs, and every tab gets every message once, in order', async () => {
    const { open, clock } = browser();
    const { accept, live } = server();
    const tabs = [open('a')];
    await settle();
    tabs.push(open('b'), open('c'));
    await clock.advance(100);
    accept();
    await clock.advance(1000);
    expect(tabs.map((tab) => tab.tabs.role)).toEqual(['leader', 'follower', 'follower']);
    expect(tabs.map((tab) => tab.client.state)).toEqual(['open', 'open', 'open']);
    expect(FakeSocket.all).toHaveLength(1);
    for (let i = 1; i <= 5; i++) live()[0].receive(`m${i}`);
    await settle();
    for (const tab of tabs) expect(tab.messages).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('sends a follower’s plain sends through the leader, in order', async () => {
    const { open, clock } = browser();
    const { accept, received } = server();
    open('a');
    await settle();
    const follower = open('b');
    await clock.advance(100);
    accept();
    await clock.advance(1000);
    for (let i = 1; i <= 3; i++) expect(follower.client.send(`f${i}`)).toBe('sent');
    await settle();
    expect(received).toEqual(['f1', 'f2', 'f3']);
  });

  it('acknowledges a follower’s delivered message in that tab only', async () => {
    const { open, clock } = browser();
    const { accept } = server();
    const leader = open('a');
    await settle();
    const follower = open('b');
    await clock.advance(100);
    accept();
    await clock.advance(1000);
    const sending = follower.chat.deliver({ text: 'hi' });
    await settle();
    await expect(sending).resolves.toBeUndefined();
    expect(leader.messages).toEqual([]);
    expect(follower.messages).toEqual([]);
  });

  it('hands over when the leader’s tab closes: another tab leads, dials, and resends what was not acknowledged', async () => {
    const { open, clock } = browser();
    const { accept, received, live } = server();
    const first = open('a');
    await settle();
    const second = open('b');
    const third = open('c');
    await clock.advance(100);
    accept();
    await clock.advance(1000);
    // The server stops acking: these wait in their tabs' outboxes.
    const socket = live()[0];
    socket.send = (data: unknown) => received.push(String(data));
    const pending = [second.chat.deliver('from b'), third.chat.deliver('from c')];
    await settle();
    first.gone();
    await clock.advance(5000);
    accept();
    await clock.advance(5000);
    expect(second.tabs.role).toBe('leader');
    expect(second.roles).toEqual(['leader']);
    expect(live()).toHaveLength(1);
    await expect(Promise.all(pending)).resolves.toEqual([undefined, undefined]);
    const ids = pending.map((sending) => sending.id);
    // Each went out once before the handover and once after it, under the same id: the server drops the resend.
    for (const id of ids) expect(received.filter((frame) => frame.includes(id))).toHaveLength(2);
  });

  it('is solo without locks: every client has a WebSocket of its own', async () => {
    const tabs = new Tabs('chat', { locks: undefined, channel: undefined, WebSocket: FakeSocket, page: {} });
    expect(tabs.role).toBe('solo');
    expect(tabs.WebSocket).toBe(FakeSocket);
  });
});
