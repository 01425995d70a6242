// The public entry, resilient-ws/tabs: `tabs()` is a feature of the client and gives it the
// WebSocket class to dial with. Roles and their events, a handover that does not wait out the
// backoff, a closed client leaving the election, endpoints kept apart, bad options refused.

import { beforeEach, describe, expect, it } from 'vitest';
import { CoreWebSocket } from '../../src/core';
import { InvalidArgumentError } from '../../src/core/errors';
import { delivery } from '../../src/features/delivery';
import { type Role, type SharedOptions, tabs } from '../../src/tabs';
import { FakeProfile, FakeSocket, settle } from './tabs-fakes';

const url = 'wss://example.com/ws';

function browser() {
  const profile = new FakeProfile();
  let count = 0;
  function open(name: string, endpoint = url, options: SharedOptions = {}) {
    const index = ++count;
    const shared = tabs({ ...profile.tab(name, index / 10), ...options });
    const roles: [Role, Role][] = [];
    shared.on('role', (role, previous) => roles.push([role, previous]));
    const { client, messages } = profile.client(name, endpoint, {
      WebSocket: shared.WebSocket,
      random: () => index / 10,
      // A long backoff: a handover that waited it out would show.
      initialDelay: 5000,
      features: [shared, delivery({ ackTimeout: 0 })],
    });
    return { shared, client, roles, messages, gone: () => profile.close(name) };
  }
  return { open, clock: profile.clock, locks: profile.locks };
}

const accept = () => {
  for (const socket of FakeSocket.all) if (socket.readyState === 0) socket.accept();
};

beforeEach(() => {
  FakeSocket.all = [];
});

describe('tabs()', () => {
  it('reports each tab’s role, with an event from solo when it joins', async () => {
    const { open, clock } = browser();
    const first = open('a');
    expect(first.shared.role).toBe('solo');
    await settle();
    const second = open('b');
    await clock.advance(100);
    accept();
    await clock.advance(1000);
    expect([first.shared.role, second.shared.role]).toEqual(['leader', 'follower']);
    expect(first.roles).toEqual([
      ['follower', 'solo'],
      ['leader', 'follower'],
    ]);
    expect(second.roles).toEqual([['follower', 'solo']]);
    expect(FakeSocket.all).toHaveLength(1);
    FakeSocket.all[0]?.receive('m1');
    await settle();
    expect([first.messages, second.messages]).toEqual([['m1'], ['m1']]);
  });

  it('reconnects every tab to the new leader without waiting out the backoff', async () => {
    const { open, clock } = browser();
    const first = open('a');
    await settle();
    const others = [open('b'), open('c')];
    await clock.advance(100);
    accept();
    await clock.advance(1000);
    // The tab is gone, and its socket with it.
    first.gone();
    FakeSocket.all[0]?.close();
    // The next tab in the lock's queue leads at once; the other hears its first beat; both are
    // back within the new leader's first dial (after gatherTimeout, 500 ms).
    await clock.advance(600);
    accept();
    await clock.advance(100);
    expect(others.map((tab) => tab.shared.role)).toEqual(['leader', 'follower']);
    expect(others.map((tab) => tab.client.state)).toEqual(['open', 'open']);
    expect(FakeSocket.open()).toHaveLength(1);
  });

  it('leaves the election when its client closes, and joins again when it connects', async () => {
    const { open, clock, locks } = browser();
    const first = open('a');
    await settle();
    const second = open('b');
    await clock.advance(100);
    accept();
    await clock.advance(1000);
    first.client.close();
    await clock.advance(100);
    expect(first.shared.role).toBe('solo');
    expect(first.roles.at(-1)).toEqual(['solo', 'leader']);
    expect(second.shared.role).toBe('leader');
    expect(locks.holder(`resilient-ws:\n${url}`)).toBe('b');
    await clock.advance(1000);
    accept();
    first.client.connect();
    await clock.advance(100);
    await clock.advance(1000);
    expect(first.shared.role).toBe('follower');
    expect(first.client.state).toBe('open');
  });

  it('never shares between two endpoints, nor between two keys', async () => {
    const { open, clock } = browser();
    open('a');
    await settle();
    open('b', 'wss://example.com/other');
    open('c', url, { key: 'another' });
    await clock.advance(100);
    expect(FakeSocket.all.map((socket) => socket.url)).toEqual([url, 'wss://example.com/other', url]);
  });

  it('is solo where the page has no locks: the client dials a socket of its own', async () => {
    const shared = tabs({ locks: undefined, WebSocket: FakeSocket, page: {} });
    const client = new CoreWebSocket(url, { WebSocket: shared.WebSocket, features: [shared], queueHandshakes: false });
    await settle();
    expect(shared.role).toBe('solo');
    expect(FakeSocket.all).toHaveLength(1);
    expect(client.state).toBe('connecting');
    client.close();
  });

  it.each([
    [{ key: 5 }, 'key'],
    [{ key: 'x'.repeat(257) }, 'key'],
    [{ beatInterval: -1 }, 'beatInterval'],
    [{ leaderTimeout: Number.NaN }, 'leaderTimeout'],
    [{ gatherTimeout: 2 ** 31 }, 'gatherTimeout'],
  ])('refuses %j with an InvalidArgumentError naming %s', (options, name) => {
    const refused = () => tabs(options as SharedOptions);
    expect(refused).toThrow(InvalidArgumentError);
    expect(refused).toThrow(name);
  });
});
