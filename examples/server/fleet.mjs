// What the demo's backends share, built from the reference server (dist/server.mjs): one bus (Redis
// pub/sub when REDIS_URL is set, else in-process), a dedup window, stream publishers, the price feed.

const FEED_MS = 250;
const STARTING_PRICES = { ACME: 101.5, GLOBEX: 48.2, INITECH: 12.75 };

/** Loads dist/server.mjs, with an actionable message when it was not built yet. */
export async function loadServerModule() {
  try {
    return await import('../../dist/server.mjs');
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error('dist/server.mjs is missing: run `npm run build` (or `npm start`) first');
    }
    throw error;
  }
}

/**
 * Starts the shared plumbing and the price feed (stream "prices", one message per tick with every
 * symbol's price). `connect()` gives one backend its own view: with Redis, its own connections.
 * @param {{ redisUrl?: string }} [options]
 */
export async function createFleet({ redisUrl = '' } = {}) {
  const server = await loadServerModule();
  const links = new Set();
  let memory = null;
  if (!redisUrl) {
    const bus = new server.MemoryBus();
    memory = { bus, dedup: new server.MemoryDedupStore(), publisher: server.createMemoryPublisher(bus) };
  }

  /** One backend's link to the fleet: { bus, dedup, publisher, close() }. */
  async function connect() {
    if (memory) return { ...memory, close: async () => {} };
    const bus = await server.RedisBus.connect(redisUrl);
    // Both connections come back on their own; what was published meanwhile shows as gaps in seq.
    bus.subscriberClient.onDisconnect = (error) => {
      console.error(`Redis connection lost${error ? ` (${error.message})` : ''}; reconnecting`);
    };
    bus.subscriberClient.onReconnect = () => console.error('Redis connection back');
    const link = {
      bus,
      dedup: new server.RedisDedupStore(bus.client, { prefix: 'demo:dedup:' }),
      // Seqs live in Redis, so every backend can publish to a chat room, and a restarted demo continues them.
      publisher: server.createRedisPublisher(bus.client, { prefix: 'demo:seq:' }),
      close: async () => {
        links.delete(link);
        await bus.close();
      },
    };
    links.add(link);
    return link;
  }

  const feed = await connect();
  const prices = { ...STARTING_PRICES };
  let lastSeq = 0;
  let publishing = false;
  const timer = setInterval(() => {
    if (publishing) return; // a slow Redis skips ticks rather than piling them up
    for (const symbol of Object.keys(prices)) {
      prices[symbol] = Math.max(1, Math.round(prices[symbol] * (1 + (Math.random() - 0.5) * 0.004) * 100) / 100);
    }
    publishing = true;
    feed.publisher
      .publish('prices', { ...prices })
      .then((seq) => {
        lastSeq = seq;
      })
      .catch((error) => console.error(`price feed: ${error.message}`))
      .finally(() => {
        publishing = false;
      });
  }, FEED_MS);

  return {
    server,
    kind: redisUrl ? 'redis' : 'memory',
    connect,
    describe: () => ({ bus: redisUrl ? 'redis' : 'memory', prices: { seq: lastSeq, ...prices } }),
    async close() {
      clearInterval(timer);
      await feed.close();
      await Promise.all([...links].map((link) => link.close()));
    },
  };
}
