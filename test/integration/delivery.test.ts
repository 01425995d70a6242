// Delivery guarantees across a fleet of real `ws` backends built from the reference server, with
// the in-process bus and with a real Redis: once to the app, exact replay after a switch, visible gaps.

import { describe, expect, it } from 'vitest';
import { delivery } from '../../src/features/delivery';
import { type Fleet, openClient, startFleet } from './fleet';
import { describeWithRedis } from './redis';
import { connect, until } from './servers';

type FleetOptions = NonNullable<Parameters<typeof startFleet>[0]>;

function guarantees(start: (options?: FleetOptions) => Promise<Fleet>) {
  const startSmallBuffer = () => start({ bufferSize: 5 });
  it('should deliver a message resent to another backend to the app once, and ack both copies', async () => {
    const fleet = await start();
    const [a, b] = fleet.backends;
    const first = await openClient(a!.url);
    first.send({ id: 'k3x9q2ab.1', data: { text: 'hello' } });
    await first.waitFor((c) => c.acks().length === 1, 'the ack from a');
    first.ws.terminate(); // as if the ack had been lost with the connection
    const second = await openClient(b!.url);
    second.send({ id: 'k3x9q2ab.1', data: { text: 'hello' } });
    second.send({ id: 'k3x9q2ab.2', data: { text: 'next' } });
    await second.waitFor((c) => c.acks().length === 2, 'both acks from b');
    expect(second.acks()).toEqual(['k3x9q2ab.1', 'k3x9q2ab.2']);
    expect(fleet.delivered).toEqual([
      { backend: 'a', id: 'k3x9q2ab.1', data: { text: 'hello' }, scope: 'anonymous' },
      { backend: 'b', id: 'k3x9q2ab.2', data: { text: 'next' }, scope: 'anonymous' },
    ]);
  });

  it('should deliver once when every backend gets the same message at the same time', async () => {
    const fleet = await start();
    const clients = await Promise.all(fleet.backends.map((backend) => openClient(backend.url)));
    for (let n = 0; n < 20; n++) for (const client of clients) client.send({ id: `race.${n}`, data: n });
    await Promise.all(clients.map((c) => c.waitFor((client) => client.acks().length === 20, 'all acks')));
    expect(fleet.delivered.map((d) => d.data).sort((x, y) => Number(x) - Number(y))).toEqual(
      Array.from({ length: 20 }, (_, n) => n),
    );
  });

  it('should hand a resend to the app when the first backend fails while handling it, and not before', async () => {
    const fleet = await start();
    const [a, b] = fleet.backends;
    let failFirst!: (error: Error) => void;
    let entered = false;
    fleet.beforeDelivery = (backend) => {
      if (backend !== 'a') return;
      entered = true;
      return new Promise((_, reject) => (failFirst = reject));
    };
    const first = await openClient(a!.url);
    const closedWith = new Promise<number>((resolve) => first.ws.once('close', resolve));
    first.send({ id: 'slow.1', data: 'x' });
    await first.waitFor(() => entered, 'a handling the message');
    const second = await openClient(b!.url);
    second.send({ id: 'slow.1', data: 'x' }); // the resend, after a reconnect to b, while a still works on it
    second.send({ id: 'slow.2', data: 'y' });
    expect(second.acks()).toEqual([]);
    failFirst(new Error('database down'));
    expect(await closedWith).toBe(1011);
    await second.waitFor((c) => c.acks().length === 2, 'both acks from b');
    expect(second.acks()).toEqual(['slow.1', 'slow.2']);
    expect(fleet.delivered).toEqual([
      { backend: 'b', id: 'slow.1', data: 'x', scope: 'anonymous' },
      { backend: 'b', id: 'slow.2', data: 'y', scope: 'anonymous' },
    ]);
  });

  it('should replay exactly the missing seqs after a switch of backend, then go live', async () => {
    const fleet = await start();
    const [a, b] = fleet.backends;
    const publish = (n: number) => fleet.publishers[0]!.publish('prices', { price: n });
    const before = await openClient(a!.url);
    before.send({ subscribe: 'prices' });
    await before.waitFor(() => a!.isSubscribed('prices'), 'the subscription on a');
    for (let n = 1; n <= 3; n++) await publish(n);
    await before.waitFor((c) => c.seqs('prices').length === 3, 'seqs 1-3 on a');
    const lost = before.seqs('prices').at(-1)!;
    a!.closeAll(1012); // a drains
    for (let n = 4; n <= 8; n++) await publish(n);
    await before.waitFor(() => b!.hub.lastSeq('prices') === 8, 'b buffered up to 8');
    const after = await openClient(b!.url);
    after.send({ resume: { prices: lost } });
    after.send({ subscribe: 'prices' });
    await after.waitFor((c) => c.seqs('prices').length === 5, 'the replay');
    await publish(9);
    await after.waitFor((c) => c.seqs('prices').length === 6, 'the live message');
    expect(before.seqs('prices')).toEqual([1, 2, 3]);
    expect(after.seqs('prices')).toEqual([4, 5, 6, 7, 8, 9]);
    expect(after.frames.map((f) => f.data)).toEqual([4, 5, 6, 7, 8, 9].map((price) => ({ price })));
  });

  it('should show a gap the buffer cannot fill as a seq jump', async () => {
    const fleet = await startSmallBuffer(); // 5 messages per stream
    const [, b] = fleet.backends;
    for (let n = 1; n <= 20; n++) await fleet.publishers[0]!.publish('prices', n);
    const client = await openClient(b!.url);
    await client.waitFor(() => b!.hub.lastSeq('prices') === 20, 'b buffered up to 20');
    client.send({ resume: { prices: 2 } });
    client.send({ subscribe: 'prices' });
    await client.waitFor((c) => c.seqs('prices').length === 5, 'what the buffer holds');
    expect(client.seqs('prices')).toEqual([16, 17, 18, 19, 20]);
  });

  it('should give every backend the same seqs, in order, when several backends publish to one stream', async () => {
    const fleet = await start();
    const listeners = await Promise.all(fleet.backends.map((backend) => openClient(backend.url)));
    for (const client of listeners) client.send({ subscribe: 'room:lobby' });
    await Promise.all(listeners.map((c, i) => c.waitFor(() => fleet.backends[i]!.isSubscribed('room:lobby'))));
    await Promise.all(
      Array.from({ length: 30 }, (_, n) => fleet.publishers[n % fleet.publishers.length]!.publish('room:lobby', n)),
    );
    await Promise.all(listeners.map((c) => c.waitFor((client) => client.seqs('room:lobby').length === 30)));
    for (const client of listeners) {
      expect(client.seqs('room:lobby')).toEqual(Array.from({ length: 30 }, (_, n) => n + 1));
    }
  });
}

// Two users of one server: whatever mallory sends, under whatever ids, alice's messages reach the
// app once each, with her data, and her resends stay duplicates.
function againstOtherUsers(start: (options?: FleetOptions) => Promise<Fleet>) {
  it("should hand alice's messages over with her data even when mallory sent her ids first", async () => {
    const fleet = await start();
    const [a, b] = fleet.backends;
    // Alice writes while offline: her ids exist before her first connection. Mallory learns them
    // all (the worst case: a demo that publishes ids, a log, a guess) and sends under them first.
    const chat = delivery<string>();
    const sent = ['one', 'two', 'three'].map((text) => chat.deliver(text));
    const mallory = await openClient(`${a!.url}?user=mallory`);
    for (const { id } of sent) mallory.send({ id, data: 'forged' });
    await mallory.waitFor((c) => c.acks().length === 3, "mallory's acks");
    connect(`${b!.url}?user=alice`, { features: [chat] });
    await Promise.all(sent);
    const handled = (scope: string) =>
      fleet.delivered.filter((d) => d.scope === scope).map(({ id, data }) => [id, data]);
    expect(handled('alice')).toEqual(sent.map(({ id }, n) => [id, ['one', 'two', 'three'][n]]));
    expect(handled('mallory')).toEqual(sent.map(({ id }) => [id, 'forged']));
  });

  it("should keep alice's resend a duplicate after mallory floods ten times the window", async () => {
    const fleet = await start({ dedupOptions: { maxEntries: 200, maxEntriesPerScope: 100 } });
    const [a, b] = fleet.backends;
    const alice = await openClient(`${a!.url}?user=alice`);
    alice.send({ id: 'alice.1', data: 'hello' });
    await alice.waitFor((c) => c.acks().length === 1, "alice's ack");
    alice.ws.terminate(); // as if the ack had been lost
    const mallory = await openClient(`${b!.url}?user=mallory`);
    for (let n = 0; n < 2000; n++) mallory.send({ id: `flood.${n}`, data: n });
    await mallory.waitFor((c) => c.acks().length === 2000, "mallory's 2000 acks");
    const again = await openClient(`${b!.url}?user=alice`);
    again.send({ id: 'alice.1', data: 'hello' });
    await again.waitFor((c) => c.acks().length === 1, 'the ack of the resend');
    expect(fleet.delivered.filter((d) => d.scope === 'alice').map(({ data }) => data)).toEqual(['hello']);
    await until(() => fleet.delivered.length === 2001, 5000, 'the flood handed over');
  });
}

describe('delivery across a fleet on the in-process bus', () => {
  guarantees((options) => startFleet(options));
  againstOtherUsers((options) => startFleet(options));
});

describeWithRedis('delivery across a fleet sharing Redis', (redis) => {
  guarantees((options) => startFleet({ redisUrl: redis().url, ...options }));
  againstOtherUsers((options) => startFleet({ redisUrl: redis().url, ...options }));
});
