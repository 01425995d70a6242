// The election of a leader tab over Web Locks: one leader at a time, a new one when it closes,
// hides or freezes, epochs that only grow, and a woken leader that steps down for a newer one.

import { describe, expect, it } from 'vitest';
import { TabChannel } from '../../src/tabs/channel';
import { Election, type Role } from '../../src/tabs/election';
import { FakeBus, FakeClock, FakeLocks, FakeProfile, settle } from './tabs-fakes';

const key = 'chat';
const lock = 'resilient-ws:chat';

function profile() {
  const fakes = new FakeProfile();
  const { locks, bus, clock } = fakes;
  const tabs: { dead: boolean; name: string; election: Election }[] = [];
  function open(name: string, { visible = true, random = 0.5 } = {}) {
    const channel = new TabChannel(key, name, bus.for(name));
    const view = { visible };
    const election = new Election(key, {
      locks: locks.for(name),
      channel,
      now: () => clock.now,
      timers: clock.timers(name),
      random: () => random,
      visible: () => view.visible,
      beatInterval: 1000,
      leaderTimeout: 3000,
    });
    const roles: Role[] = [];
    election.on('role', (role) => roles.push(role));
    election.start();
    const tab = {
      name,
      dead: false,
      election,
      channel,
      roles,
      view,
      /** Closed or crashed: the browser frees its locks, its channel and timers are gone. */
      gone() {
        tab.dead = true;
        fakes.close(name);
      },
    };
    tabs.push(tab);
    return tab;
  }
  const leaders = () => tabs.filter((tab) => !tab.dead && tab.election.role === 'leader').map((tab) => tab.name);
  return { locks, bus, clock, open, leaders };
}

describe('electing a leader', () => {
  it('makes the first tab the leader under epoch 1 and the next ones followers', async () => {
    const { open, clock, leaders } = profile();
    const first = open('a');
    await settle();
    const second = open('b');
    const third = open('c');
    await clock.advance(5000);
    expect(leaders()).toEqual(['a']);
    expect(first.election.leadership).toEqual({ epoch: 1, leader: 'a' });
    expect(second.election.leadership).toEqual({ epoch: 1, leader: 'a' });
    expect(third.election.leadership).toEqual({ epoch: 1, leader: 'a' });
    expect(first.roles).toEqual(['leader']);
    expect(second.roles).toEqual([]);
    expect(second.election.role).toBe('follower');
  });

  it('tells a new tab who leads at once, without waiting for the next beat', async () => {
    const { open } = profile();
    open('a');
    await settle();
    const second = open('b');
    await settle();
    expect(second.election.leadership).toEqual({ epoch: 1, leader: 'a' });
  });

  it('hands leadership to a waiting tab when the leader closes, under a higher epoch', async () => {
    const { open, clock, leaders, locks } = profile();
    const first = open('a');
    await settle();
    const second = open('b');
    await clock.advance(2000);
    first.gone();
    await settle();
    expect(leaders()).toEqual(['b']);
    expect(locks.holder(lock)).toBe('b');
    expect(second.election.leadership).toEqual({ epoch: 2, leader: 'b' });
  });

  it('steps down on pagehide: says bye and frees the lock at once, and asks again on pageshow', async () => {
    const { open, clock, leaders, locks } = profile();
    const first = open('a');
    await settle();
    const second = open('b');
    await clock.advance(1000);
    first.election.pause();
    await settle();
    expect(first.roles).toEqual(['leader', 'follower']);
    expect(leaders()).toEqual(['b']);
    expect(second.election.leadership).toEqual({ epoch: 2, leader: 'b' });
    first.election.resume();
    await clock.advance(5000);
    expect(leaders()).toEqual(['b']);
    expect(first.election.leadership).toEqual({ epoch: 2, leader: 'b' });
    second.gone();
    await settle();
    expect(locks.holder(lock)).toBe('a');
    expect(first.election.leadership).toEqual({ epoch: 3, leader: 'a' });
  });

  it('asks for nothing while paused: a frozen tab is never granted the lock', async () => {
    const { open, clock, locks } = profile();
    const first = open('a');
    await settle();
    const second = open('b');
    await clock.advance(1000);
    second.election.pause();
    first.gone();
    await clock.advance(10_000);
    expect(locks.holder(lock)).toBeUndefined();
    expect(second.election.role).toBe('follower');
  });

  it('lets go at once of a grant that comes while paused, so the next tab in the queue leads', async () => {
    const { open, clock, leaders, locks } = profile();
    const first = open('a');
    await settle();
    const second = open('b');
    open('c');
    await clock.advance(1000);
    second.election.pause();
    first.gone();
    await settle();
    expect(leaders()).toEqual(['c']);
    expect(locks.grants.map(([, owner]) => owner)).toEqual(['a', 'b', 'c']);
    expect(locks.abortedWhileQueued).toBe(0);
  });

  it('takes leadership from a frozen leader after the timeout, and the leader steps down when it wakes', async () => {
    const { open, clock, leaders, locks } = profile();
    const first = open('a');
    await settle();
    const second = open('b');
    await clock.advance(1000);
    // Frozen: its timers stop (no beats), its lock stays held.
    clock.frozen.add('a');
    await clock.advance(3000);
    expect(locks.holder(lock)).toBe('a');
    await clock.advance(2000);
    expect(locks.holder(lock)).toBe('b');
    expect(second.election.leadership).toEqual({ epoch: 2, leader: 'b' });
    // Its channel handlers still ran (as in Chromium): it heard the newer leadership and its lock was stolen.
    expect(first.election.role).toBe('follower');
    await clock.thaw('a');
    await clock.advance(5000);
    expect(leaders()).toEqual(['b']);
    expect(first.election.leadership).toEqual({ epoch: 2, leader: 'b' });
  });

  it('steps down when it wakes to a newer leadership it could not hear while frozen', async () => {
    const { open, clock, leaders, bus } = profile();
    const first = open('a');
    await settle();
    const second = open('b');
    await clock.advance(1000);
    clock.frozen.add('a');
    bus.deaf.add('a');
    await clock.advance(6000);
    expect(second.election.role).toBe('leader');
    bus.deaf.delete('a');
    await clock.thaw('a');
    await clock.advance(1000);
    expect(leaders()).toEqual(['b']);
    expect(first.roles).toEqual(['leader', 'follower']);
  });

  it('lets a visible follower take over before a hidden one', async () => {
    const { open, clock, leaders } = profile();
    open('a');
    await settle();
    const hidden = open('b', { visible: false, random: 0 });
    const visible = open('c', { visible: true, random: 0.99 });
    await clock.advance(1000);
    clock.frozen.add('a');
    await clock.advance(8000);
    expect(leaders()).toEqual(['c']);
    expect(hidden.election.leadership).toEqual({ epoch: 2, leader: 'c' });
    expect(visible.roles).toEqual(['leader']);
  });

  it('does not take leadership when its own check came late: it was frozen too, and heard nothing', async () => {
    const { open, clock, leaders, bus } = profile();
    open('a');
    await settle();
    open('b');
    await clock.advance(1000);
    // The follower is frozen for 10 s and hears nothing; the leader goes on beating.
    clock.frozen.add('b');
    bus.deaf.add('b');
    await clock.advance(10_000);
    bus.deaf.delete('b');
    await clock.thaw('b');
    await clock.advance(500);
    expect(leaders()).toEqual(['a']);
  });

  it('steps down as soon as it hears a newer leadership, before its lock is taken', async () => {
    const { open, clock, locks, bus } = profile();
    const first = open('a');
    await settle();
    await clock.advance(1000);
    // A leader of a newer epoch beats (its steal not yet seen here): this one's leadership is over.
    const leaderships: unknown[] = [];
    first.election.on('leadership', (leadership) => leaderships.push(leadership));
    bus.inject(lock, { v: 1, key, from: 'z', type: 'beat', epoch: 7, leader: 'z', at: clock.now });
    await settle();
    // It let go of the lock; nobody else holds it here, so it is granted again, under a newer epoch.
    expect(first.roles).toEqual(['leader', 'follower', 'leader']);
    expect(leaderships).toEqual([
      { epoch: 7, leader: 'z' },
      { epoch: 8, leader: 'a' },
    ]);
    expect(locks.holder(lock)).toBe('a');
  });

  it('ignores beats of an older leadership', async () => {
    const { open, clock, leaders, bus } = profile();
    open('a');
    await settle();
    const second = open('b');
    await clock.advance(1000);
    bus.inject(lock, { v: 1, key, from: 'z', type: 'beat', epoch: 0, leader: 'z', at: clock.now });
    await clock.advance(1000);
    expect(second.election.leadership).toEqual({ epoch: 1, leader: 'a' });
    expect(leaders()).toEqual(['a']);
  });

  it('gives epochs that only grow over many handovers', async () => {
    const { open, clock } = profile();
    const epochs: number[] = [];
    let tab = open('t0');
    await settle();
    for (let i = 1; i <= 5; i++) {
      const next = open(`t${i}`);
      await clock.advance(1000);
      epochs.push(tab.election.leadership?.epoch as number);
      tab.gone();
      await settle();
      tab = next;
    }
    epochs.push(tab.election.leadership?.epoch as number);
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('is solo without locks or without a channel', () => {
    const clock = new FakeClock();
    const base = {
      now: () => clock.now,
      timers: clock.timers('x'),
      random: () => 0.5,
      visible: () => true,
      beatInterval: 1000,
      leaderTimeout: 3000,
    };
    const noLocks = new Election(key, {
      ...base,
      locks: undefined,
      channel: new TabChannel(key, 'x', new FakeBus().for('x')),
    });
    const noChannel = new Election(key, { ...base, locks: new FakeLocks().for('x'), channel: undefined });
    const roles: Role[] = [];
    noLocks.on('role', (role) => roles.push(role));
    noLocks.start();
    noChannel.start();
    expect(noLocks.role).toBe('solo');
    expect(noChannel.role).toBe('solo');
    expect(roles).toEqual(['solo']);
  });

  it('gives up leadership for good on stop', async () => {
    const { open, clock, leaders, locks } = profile();
    const first = open('a');
    await settle();
    open('b');
    await clock.advance(1000);
    first.election.stop();
    await clock.advance(10_000);
    expect(leaders()).toEqual(['b']);
    expect(locks.grants.filter(([, owner]) => owner === 'a')).toHaveLength(1);
  });
});
