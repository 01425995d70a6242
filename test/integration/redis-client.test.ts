// The small RESP client, the Redis bus and the Redis dedup store against a real redis-server.

import { expect, it } from 'vitest';
import { createRedisPublisher, RedisBus, RedisClient, RedisDedupStore, RedisError, StreamHub } from '../../src/server';
import { describeWithRedis, startRedisServer } from './redis';
import { onCleanup, until } from './servers';

async function client(url: string): Promise<RedisClient> {
  const redis = await RedisClient.connect(url);
  onCleanup(() => redis.close());
  return redis;
}

describeWithRedis('Redis plumbing', (redis) => {
  it('should speak RESP: strings, integers, nulls, arrays, errors, UTF-8 and pipelining', async () => {
    const db = await client(redis().url);
    expect(await db.command('SET', 'k', 'värde ✓')).toBe('OK');
    expect(await db.command('GET', 'k')).toBe('värde ✓');
    expect(await db.command('GET', 'missing')).toBeNull();
    expect(await Promise.all(Array.from({ length: 100 }, () => db.command('INCR', 'n')))).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    expect(await db.command('RPUSH', 'l', 'a', 'b')).toBe(2);
    expect(await db.command('LRANGE', 'l', '0', '-1')).toEqual(['a', 'b']);
    await expect(db.command('NOPE')).rejects.toBeInstanceOf(RedisError);
    const big = 'x'.repeat(300_000);
    await db.command('SET', 'big', big);
    expect(await db.command('GET', 'big')).toBe(big);
  });

  it('should reject pending commands when the connection is lost', async () => {
    const db = await client(redis().url);
    const blocked = db.command('BLPOP', 'never', '0');
    db.close();
    await expect(blocked).rejects.toThrow('lost');
    await expect(db.command('PING')).rejects.toThrow('closed');
  });

  it('should reconnect after Redis restarts, subscribing again, and reject commands meanwhile', async () => {
    let server = await startRedisServer();
    onCleanup(() => server.stop());
    const port = Number(new URL(server.url).port);
    const bus = await RedisBus.connect(server.url, { maxReconnectDelayMs: 100 });
    onCleanup(() => bus.close());
    const got: string[] = [];
    await bus.subscribe('chan', (message) => got.push(message));
    let disconnects = 0;
    let reconnects = 0;
    bus.subscriberClient.onDisconnect = () => disconnects++;
    bus.subscriberClient.onReconnect = () => reconnects++;
    await server.stop();
    await until(() => disconnects === 1, 5000, 'the disconnect');
    await expect(bus.publish('chan', 'lost')).rejects.toBeInstanceOf(RedisError);
    server = await startRedisServer(port);
    await until(() => reconnects === 1, 5000, 'the reconnect');
    // The publisher reconnects on its own schedule: publish until one arrives through the new subscription.
    await until(
      () => {
        bus.publish('chan', 'back').catch(() => {});
        return got.includes('back');
      },
      5000,
      'a message after the restart',
    );
    expect(got).not.toContain('lost');
  });

  it('should carry bus messages between connections in order, and stop after unsubscribe', async () => {
    const [one, two] = await Promise.all([RedisBus.connect(redis().url), RedisBus.connect(redis().url)]);
    onCleanup(() => Promise.all([one.close(), two.close()]).then(() => {}));
    const got: string[] = [];
    const stop = await two.subscribe('chan', (message) => got.push(message));
    for (let i = 0; i < 50; i++) await one.publish('chan', `m${i}`);
    await until(() => got.length === 50);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    await stop();
    await one.publish('chan', 'late');
    await one.publish('other', 'x');
    expect(await one.client.command('PUBSUB', 'NUMSUB', 'chan')).toEqual(['chan', 0]);
  });

  it('should publish stream messages with any JSON data intact, seqs from one counter', async () => {
    const bus = await RedisBus.connect(redis().url);
    onCleanup(() => bus.close());
    const hub = await StreamHub.attach(bus, { channel: 'json-check' });
    const publisher = createRedisPublisher(bus.client, { channel: 'json-check', prefix: `seq:${Date.now()}:` });
    const data = { text: 'quote " backslash \\ newline \n ünïcödé 🚀 ]]', n: [1, 2.5, null, true] };
    expect(await publisher.publish('s"tream', data)).toBe(1);
    expect(await publisher.publish('s"tream', null)).toBe(2);
    await until(() => hub.lastSeq('s"tream') === 2);
    expect(hub.replay('s"tream', 0).map((m) => JSON.parse(m.text))).toEqual([
      { stream: 's"tream', seq: 1, data },
      { stream: 's"tream', seq: 2, data: null },
    ]);
  });

  it('should share a dedup window between connections, with an expiry', async () => {
    const [x, y] = await Promise.all([client(redis().url), client(redis().url)]);
    const storeX = new RedisDedupStore(x, { maxAgeMs: 60_000, prefix: 't:' });
    const storeY = new RedisDedupStore(y, { maxAgeMs: 60_000, prefix: 't:' });
    expect(await storeX.claim('u', 'id.1')).toBe('first');
    expect(await storeY.claim('u', 'id.1')).toBe('pending');
    expect(Number(await x.command('PTTL', 't:{1:u}id.1'))).toBeLessThanOrEqual(30_000);
    await storeX.complete('u', 'id.1');
    expect(await storeY.claim('u', 'id.1')).toBe('done');
    expect(Number(await x.command('PTTL', 't:{1:u}id.1'))).toBeGreaterThan(50_000);
    await storeY.release('u', 'id.1');
    expect(await storeX.claim('u', 'id.1')).toBe('first');
    const quick = new RedisDedupStore(x, { pendingMs: 1, prefix: 't:' });
    expect(await quick.claim('u', 'id.2')).toBe('first');
    // An abandoned pending claim expires: claiming again succeeds within moments.
    let again = await quick.claim('u', 'id.2');
    while (again === 'pending') again = await quick.claim('u', 'id.2');
    expect(again).toBe('first');
  });

  it('should keep scopes apart, whatever characters they hold', async () => {
    const x = await client(redis().url);
    const store = new RedisDedupStore(x, { prefix: 'apart:' });
    // Without the scope's length in the key, scope "a}b" with id "c" and scope "a" with id "b}c"
    // would share one key.
    expect(await store.claim('a}b', 'c')).toBe('first');
    await store.complete('a}b', 'c');
    expect(await store.claim('a', 'b}c')).toBe('first');
    expect(await store.claim('mallory', 'c')).toBe('first');
    expect(await store.claim('a}b', 'c')).toBe('done');
  });

  it("should bound each scope by count, a flood evicting only the flooding scope's own ids", async () => {
    const x = await client(redis().url);
    const store = new RedisDedupStore(x, { prefix: 'quota:', maxEntriesPerScope: 50 });
    await store.claim('alice', 'k.1');
    await store.complete('alice', 'k.1');
    for (let i = 0; i < 500; i++) await store.claim('mallory', `m.${i}`);
    expect(Number(await x.command('ZCARD', 'quota:{7:mallory}'))).toBe(50);
    // Every evicted id's key is gone too: 50 id keys and the set for mallory, 1 and its set for alice.
    expect(((await x.command('KEYS', 'quota:*')) as string[]).length).toBe(53);
    expect(await store.claim('alice', 'k.1')).toBe('done');
    expect(await store.claim('mallory', 'm.0')).toBe('first');
    expect(await store.claim('mallory', 'm.499')).toBe('pending');
  });
});
