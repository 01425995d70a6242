// The delivery feature in the real client against a fleet of reference-server backends: messages
// reach the app once with their acks, and a stream resumes after a move to another backend.

import { describe, expect, it } from 'vitest';
import { delivery, type Gap } from '../../src/features/delivery';
import { startFleet } from './fleet';
import { connect, until } from './servers';

describe('delivery client with the reference server', () => {
  it('should hand each message to the app once and resume the stream on another backend', async () => {
    const fleet = await startFleet({ size: 2 });
    const [a, b] = fleet.backends;
    let target = a!.url;
    const chat = delivery<{ text: string }>();
    const gaps: Gap[] = [];
    chat.on('gap', (gap) => gaps.push(gap));
    const client = connect(() => ({ url: target }), { features: [chat] });
    const received: number[] = [];
    client.on('message', (event) => received.push(JSON.parse(String(event.data)).seq));
    chat.subscribe('prices', JSON.stringify({ subscribe: 'prices' }));

    const first = [chat.deliver({ text: 'one' }), chat.deliver({ text: 'two' })];
    await Promise.all(first);
    await until(() => a!.isSubscribed('prices'), 5000, 'the subscription on a');
    for (let n = 1; n <= 3; n++) await fleet.publishers[0]!.publish('prices', n);
    await until(() => received.length === 3, 5000, 'seqs 1-3');

    // Backend a restarts; the client moves to b. What is sent meanwhile waits in the outbox.
    target = b!.url;
    a!.closeAll(1012);
    await until(() => client.state !== 'open', 5000, 'the drop');
    const offline = chat.deliver({ text: 'three' });
    for (let n = 4; n <= 5; n++) await fleet.publishers[0]!.publish('prices', n);
    await offline;
    await until(() => received.length === 5, 5000, 'seqs 4-5 replayed by b');
    await fleet.publishers[0]!.publish('prices', 6);
    await until(() => received.length === 6, 5000, 'seq 6 live');

    expect(received).toEqual([1, 2, 3, 4, 5, 6]);
    expect(gaps).toEqual([]);
    expect(chat.stats.duplicates).toBe(0);
    expect(chat.pending).toEqual([]);
    expect(fleet.delivered.map(({ backend, data }) => [backend, data])).toEqual([
      ['a', { text: 'one' }],
      ['a', { text: 'two' }],
      ['b', { text: 'three' }],
    ]);
    expect(fleet.delivered.map(({ id }) => id)).toEqual([first[0]!.id, first[1]!.id, offline.id]);
  });

  it('should resume a stream from the head sent on subscribing, when the connection drops before its next message', async () => {
    const fleet = await startFleet({ size: 2 });
    const [a, b] = fleet.backends;
    // The stream already stands at 3 when the client subscribes.
    for (let n = 1; n <= 3; n++) await fleet.publishers[0]!.publish('prices', n);
    await until(() => a!.hub.lastSeq('prices') === 3 && b!.hub.lastSeq('prices') === 3, 5000, 'both at 3');
    let target = a!.url;
    const feed = delivery();
    const gaps: Gap[] = [];
    feed.on('gap', (gap) => gaps.push(gap));
    const client = connect(() => ({ url: target }), { features: [feed] });
    const received: number[] = [];
    client.on('message', (event) => received.push(JSON.parse(String(event.data)).seq));
    feed.subscribe('prices', JSON.stringify({ subscribe: 'prices' }));
    await until(() => feed.streams.get('prices') === 3, 5000, 'the head');

    // Backend a goes before the stream's next message; what is published meanwhile must come.
    target = b!.url;
    a!.closeAll(1012);
    await until(() => client.state !== 'open', 5000, 'the drop');
    for (let n = 4; n <= 5; n++) await fleet.publishers[0]!.publish('prices', n);
    await until(() => received.length === 2, 5000, 'seqs 4-5 replayed by b');
    await fleet.publishers[0]!.publish('prices', 6);
    await until(() => received.length === 3, 5000, 'seq 6 live');

    expect(received).toEqual([4, 5, 6]);
    expect(gaps).toEqual([]);
    expect(feed.stats).toEqual({ duplicates: 0, gaps: 0, lost: 0 });
  });
});
