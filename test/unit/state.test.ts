// The state tells the truth about what send() will do: `failed` keeps nothing, and `closed` stays
// closed until connect().

import { describe, expect, it } from 'vitest';
import { advance, createClient, record, startServer, useFakeClock } from './helpers';

useFakeClock();

describe('failed', () => {
  it('drops what was queued, each with a drop event, and send() drops too', async () => {
    startServer({ verifyClient: () => false });
    const client = createClient({ maxRetries: 0, lazy: true });
    const drops = record(client, 'drop');
    expect(client.send('queued')).toBe('queued');
    await advance(10);
    expect(client.state).toBe('failed');
    expect(client.send('later')).toBe('dropped');
    expect(client.bufferedAmount).toBe(0);
    expect(drops).toEqual([
      ['drop', { data: 'queued', reason: 'failed' }],
      ['drop', { data: 'later', reason: 'failed' }],
    ]);
  });
});

describe('closed', () => {
  it('reconnect() after close() does nothing; connect() starts over', async () => {
    const server = startServer();
    const client = createClient();
    await advance(10);
    client.close();
    await advance(10);
    client.reconnect();
    await advance(5000);
    expect(client.state).toBe('closed');
    expect(server.clients()).toHaveLength(0);
    client.connect();
    await advance(10);
    expect(client.state).toBe('open');
  });
});
