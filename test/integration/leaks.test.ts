// Leaks: many connect/drop cycles against a real server, then close(): nothing may be left
// behind (timers, sockets, listeners). The 10,000-cycle version with heap figures is in bench/.

import { describe, expect, it } from 'vitest';
import { connect, startBackend, until } from './servers';

/** Timers for the client that count what is pending: unref'd ones too, which Node's resource list leaves out. */
function countingTimers() {
  const live = new Set<unknown>();
  return {
    live,
    setTimeout(callback: () => void, ms: number) {
      const handle = setTimeout(() => {
        live.delete(handle);
        callback();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle: unknown) {
      live.delete(handle);
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}

describe('leaks', () => {
  it('leaves no timer, socket or listener after 1,000 connect/drop cycles and close()', {
    timeout: 60_000,
  }, async () => {
    const backend = await startBackend();
    const timers = countingTimers();
    const client = connect(backend.url, { initialDelay: 0, maxDelay: 0, minUptime: 0, preflight: 'never', timers });
    let opens = 0;
    client.on('open', () => {
      opens++;
      // Drop every connection from the server side as soon as it opens.
      for (const socket of backend.sockets) socket.terminate();
    });
    await until(() => opens >= 1000, 50_000, '1,000 opens');
    client.close();
    await until(() => client.state === 'closed');
    await until(() => backend.sockets.size === 0, 2000, 'server sockets gone');
    expect(client.stats.reconnects).toBeGreaterThanOrEqual(999);
    // Every timer the client set in 1,000 cycles has fired or been cleared.
    expect(timers.live.size).toBe(0);
    // Only the test's own listener: none added per cycle.
    expect(client.listenerCount('open')).toBe(1);
  });
});
