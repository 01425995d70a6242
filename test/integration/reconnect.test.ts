import { describe, expect, it } from 'vitest';
import { connect, startBackend, until } from './servers';

describe('against a real ws server on 127.0.0.1', () => {
  it('comes back at its next attempt after the server returns, and delivers what was sent meanwhile once each, in order', async () => {
    const backend = await startBackend();
    const client = connect(backend.url);
    const delays: number[] = [];
    client.on('reconnecting', ({ delay }) => delays.push(delay));
    await until(() => client.state === 'open');

    await backend.kill();
    await until(() => client.state !== 'open');
    const sent = Array.from({ length: 20 }, (_, i) => `message ${i + 1}`);
    for (const text of sent) expect(client.send(text)).toBe('queued');
    // Stay down for several failed attempts.
    await until(() => client.stats.retries >= 3);

    await backend.restart();
    const failedBefore = delays.length;
    await until(() => client.state === 'open', 10_000);
    // Open on the first attempt made once the server was back: at most one more failed (one that
    // was dialling while it restarted), and none waited longer than maxDelay (400 ms).
    expect(delays.length - failedBefore).toBeLessThanOrEqual(1);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(400);

    await until(() => backend.received.length >= 20);
    expect(backend.received).toEqual(sent);
    expect(client.bufferedAmount).toBe(0);
    expect(client.stats.reconnects).toBe(1);
  });

  it('echoes through the native ws client and reports the close of a killed server as 1006', async () => {
    const backend = await startBackend();
    const client = connect(backend.url);
    const messages: string[] = [];
    client.on('message', (event) => messages.push(String(event.data)));
    const reasons: unknown[] = [];
    client.on('reconnecting', ({ reason }) => reasons.push(reason));
    client.send('hello');
    await until(() => messages.length === 1);
    expect(messages).toEqual(['hello']);
    await backend.kill();
    await until(() => reasons.length > 0);
    expect(reasons[0]).toMatchObject({ type: 'close', code: 1006, opened: true });
  });
});
