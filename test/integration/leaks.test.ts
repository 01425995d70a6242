// Leaks: many connect/drop cycles against a real server, then close(): nothing may be left
// behind (timers, sockets, listeners). The 10,000-cycle version with heap figures is in bench/.

import { describe, expect, it } from 'vitest';
import { connect, startBackend, until } from './servers';

const activeTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('leaks', () => {
  it('leaves no timer, socket or listener after 1,000 connect/drop cycles and close()', {
    timeout: 60_000,
  }, async () => {
    const backend = await startBackend();
    const timersBefore = activeTimers();
    const client = connect(backend.url, { initialDelay: 0, maxDelay: 0, minUptime: 0, preflight: 'never' });
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
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    expect(client.listenerCount('open')).toBe(1);
    expect(client.listenerCount('close') + client.listenerCount('message')).toBe(0);
  });
});
