// A property of tabs sharing one connection, over random tab opens, closes, freezes, thaws,
// network drops and time: never two open sockets at once; no tab's client misses a message
// while its socket stays open; and once every tab is thawed, one socket serves every tab.
// Frozen tabs hear the channel (as in Chromium, where only their timers stop).

import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CoreWebSocket } from '../../src/core';
import { Tabs } from '../../src/tabs/tabs';
import { propertyRuns } from './property-runs';
import { FakeProfile, FakeSocket } from './tabs-fakes';

type Op =
  | { type: 'open' }
  | { type: 'close'; tab: number }
  | { type: 'freeze'; tab: number }
  | { type: 'thaw'; tab: number }
  | { type: 'drop' }
  | { type: 'wait'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ type: 'open' as const }),
  fc.record({ type: fc.constant('close' as const), tab: fc.nat(9) }),
  { arbitrary: fc.record({ type: fc.constant('freeze' as const), tab: fc.nat(9) }), weight: 2 },
  fc.record({ type: fc.constant('thaw' as const), tab: fc.nat(9) }),
  fc.constant({ type: 'drop' as const }),
  { arbitrary: fc.record({ type: fc.constant('wait' as const), ms: fc.integer({ min: 50, max: 4000 }) }), weight: 4 },
);

interface Tab {
  name: string;
  gone: boolean;
  client: CoreWebSocket;
  tabs: Tabs;
  // Within one open connection: the socket and number of the last message, to check nothing is skipped.
  last?: [socket: number, n: number];
  skipped: string[];
  got: number;
}

async function run(ops: Op[]): Promise<void> {
  FakeSocket.all = [];
  const profile = new FakeProfile();
  const { locks, clock } = profile;
  const tabs: Tab[] = [];
  const sent = new Map<FakeSocket, number>();

  const open = () => {
    const name = `t${tabs.length}`;
    const index = tabs.length + 1;
    const shared = new Tabs('chat', profile.tab(name, (index * 0.137) % 1));
    const { client } = profile.client(name, 'wss://example.com/ws', { WebSocket: shared.WebSocket });
    const tab: Tab = { name, gone: false, client, tabs: shared, skipped: [], got: 0 };
    client.on('open', () => {
      tab.last = undefined;
    });
    client.on('message', (event) => {
      const [socket, n] = String(event.data).split(':').map(Number);
      if (tab.last && (tab.last[0] !== socket || tab.last[1] + 1 !== n))
        tab.skipped.push(`${tab.last.join(':')} then ${event.data}`);
      tab.last = [socket, n];
      tab.got++;
    });
    tabs.push(tab);
  };

  // The server accepts every new socket, and sends a numbered message on each open one.
  const serve = () => {
    for (const socket of FakeSocket.all) {
      if (socket.readyState === 0) socket.accept();
      if (socket.readyState !== 1) continue;
      const n = (sent.get(socket) ?? 0) + 1;
      sent.set(socket, n);
      socket.receive(`${FakeSocket.all.indexOf(socket)}:${n}`);
    }
  };

  const check = () => {
    expect(locks.abortedWhileQueued).toBe(0);
    expect(FakeSocket.open().filter((socket) => socket.readyState === 1).length).toBeLessThanOrEqual(1);
    for (const tab of tabs) expect(tab.skipped, tab.name).toEqual([]);
  };

  const live = () => tabs.filter((tab) => !tab.gone);
  open();
  for (const step of ops) {
    const pick = 'tab' in step ? live()[step.tab % Math.max(1, live().length)] : undefined;
    switch (step.type) {
      case 'open':
        open();
        break;
      case 'close':
        if (!pick) break;
        pick.gone = true;
        profile.close(pick.name);
        pick.tabs.stop();
        break;
      case 'freeze':
        if (pick) clock.frozen.add(pick.name);
        break;
      case 'thaw':
        if (pick) await clock.thaw(pick.name);
        break;
      case 'drop':
        for (const socket of FakeSocket.open()) if (socket.readyState === 1) socket.end(1006);
        break;
      case 'wait':
        await clock.advance(step.ms);
    }
    await clock.advance(10);
    serve();
    await clock.advance(10);
    check();
  }

  // Everything thawed: within a handover and a reconnect, one socket serves every tab left.
  if (!live().length) open();
  for (const tab of live()) await clock.thaw(tab.name);
  for (let i = 0; i < 10; i++) {
    await clock.advance(2000);
    serve();
    await clock.advance(10);
    check();
  }
  const before = live().map((tab) => tab.got);
  serve();
  await clock.advance(10);
  check();
  expect(FakeSocket.open().filter((socket) => socket.readyState === 1)).toHaveLength(1);
  expect(live().map((tab) => tab.client.state)).toEqual(live().map(() => 'open'));
  expect(live().map((tab) => tab.got)).toEqual(before.map((got) => got + 1));
  for (const tab of tabs) tab.client.close();
}

beforeEach(() => {
  FakeSocket.all = [];
});

describe('tabs sharing one connection, over random opens, closes, freezes and drops', () => {
  it('never holds two open sockets, skips no message on an open connection, and ends with one socket for all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), (ops) => run(ops)),
      {
        seed: Number(process.env.SEED ?? 16),
        numRuns: propertyRuns(process.env.PROPERTY_RUNS, 60),
        // The leader frozen long enough for a follower to take over, then thawed.
        examples: [
          [
            [
              { type: 'open' },
              { type: 'freeze', tab: 0 },
              { type: 'wait', ms: 4000 },
              { type: 'wait', ms: 4000 },
              { type: 'thaw', tab: 0 },
            ],
          ],
        ],
      },
    );
  });
});
