import { describe, expect, it, vi } from 'vitest';
import { type Decision, defaultDecision, type Outcome } from '../../src';
import { advance, createClient, startServer, useFakeClock } from './helpers';

useFakeClock();

const close = (code: number): Outcome => ({ type: 'close', code, reason: '', wasClean: false, opened: true });

describe('default policy', () => {
  const rows: [Outcome, Decision][] = [
    ...[1000, 1001, 1005, 1006, 1011, 1012, 1014, 4000, 4999].map((code): [Outcome, Decision] => [
      close(code),
      'reconnect',
    ]),
    ...[1013, 4429].map((code): [Outcome, Decision] => [close(code), 'reconnect-later']),
    ...[1002, 1003, 1007, 1008, 1010, 4403, 4404].map((code): [Outcome, Decision] => [close(code), 'fatal']),
    [close(4401), 'refresh-auth'],
    [{ type: 'timeout' }, 'reconnect'],
    [{ type: 'exception', error: new SyntaxError('bad') }, 'fatal'],
    // A 404 from a GET on the WebSocket URL itself says little; from a preflight URL, it says "not here".
    [{ type: 'http', status: 404, url: '', probe: true }, 'connect'],
    [{ type: 'http', status: 400, url: '', probe: true }, 'connect'],
    [{ type: 'http', status: 404, url: '', probe: false }, 'fatal'],
    [{ type: 'http', status: 400, url: '', probe: false }, 'fatal'],
    // From a preflight URL or discovery (not a probe of the WebSocket URL), by status.
    ...(
      [
        [200, 'connect'],
        [204, 'connect'],
        [426, 'connect'],
        [401, 'refresh-auth'],
        [403, 'fatal'],
        [410, 'fatal'],
        [451, 'fatal'],
        [408, 'reconnect'],
        [429, 'reconnect-later'],
        [503, 'reconnect-later'],
        [500, 'reconnect'],
        [502, 'reconnect'],
        [302, 'reconnect'],
      ] as const
    ).map(([status, decision]): [Outcome, Decision] => [{ type: 'http', status, url: '', probe: false }, decision]),
    // A page where a WebSocket server should be: keep backing off, as after any failure.
    [{ type: 'not-websocket', status: 200, contentType: 'text/html', url: '' }, 'reconnect'],
  ];
  it.each(rows)('%o → %s', (outcome, decision) => {
    expect(defaultDecision(outcome)).toBe(decision);
  });
});

describe('the client follows the policy', () => {
  it('forgets earlier failures after a connection that stayed up exactly minUptime', async () => {
    let clock = 0;
    const server = startServer();
    const client = createClient({ now: () => clock, minUptime: 5000 });
    const attempts: number[] = [];
    client.on('reconnecting', ({ attempt }) => attempts.push(attempt));
    await advance(10);
    server.clients().at(-1)?.close({ code: 1011, reason: '', wasClean: true });
    await advance(1000);
    expect(client.state).toBe('open');
    clock = (client.stats.openedAt as number) + 5000;
    server.clients().at(-1)?.close({ code: 1011, reason: '', wasClean: true });
    await advance(10);
    expect(attempts).toEqual([1, 1]);
  });

  it("retries at once when the app's decide says connect", async () => {
    const server = startServer();
    const client = createClient({ decide: () => 'connect' });
    const delays: number[] = [];
    client.on('reconnecting', ({ delay }) => delays.push(delay));
    await advance(10);
    server.clients()[0]?.close({ code: 1011, reason: '', wasClean: true });
    await advance(20);
    expect(delays).toEqual([0]);
    expect(client.state).toBe('open');
  });

  it.each([1000, 1001, 1006, 1011, 1012, 1013, 4429])('reconnects after close %i from the server', async (code) => {
    const server = startServer();
    const client = createClient();
    await advance(10);
    server.clients()[0]?.close({ code, reason: '', wasClean: true });
    await advance(5);
    expect(client.state).toBe('waiting');
    await advance(600);
    expect(client.state).toBe('open');
  });

  it.each([1002, 1003, 1007, 1008, 1010, 4401, 4403, 4404])('fails for good after close %i', async (code) => {
    const server = startServer();
    const client = createClient();
    const failed = vi.fn();
    client.on('failed', failed);
    await advance(10);
    server.clients()[0]?.close({ code, reason: 'no', wasClean: true });
    await advance(5);
    expect(client.state).toBe('failed');
    expect(failed.mock.calls[0]?.[0]).toMatchObject({ name: 'ConnectionFailedError', outcome: { code, reason: 'no' } });
    expect(failed.mock.calls[0]?.[0].message).toContain(`close code ${code} (no)`);
    await advance(60_000);
    expect(client.stats.attempts).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets decide() override a row, and sees what the table suggested', async () => {
    const server = startServer();
    const decide = vi.fn((outcome: Outcome) =>
      outcome.type === 'close' && outcome.code === 1008 ? 'reconnect' : undefined,
    );
    const client = createClient({ decide });
    await advance(10);
    server.clients()[0]?.close({ code: 1008, reason: '', wasClean: true });
    await advance(5);
    expect(decide).toHaveBeenCalledWith(expect.objectContaining({ code: 1008 }), 'fatal');
    expect(client.state).toBe('waiting');
  });

  it('stops quietly when decide() says stop', async () => {
    const server = startServer();
    const client = createClient({ decide: () => 'stop' });
    const failed = vi.fn();
    client.on('failed', failed);
    await advance(10);
    server.clients()[0]?.close({ code: 1011, reason: '', wasClean: true });
    await advance(5);
    expect(client.state).toBe('closed');
    expect(failed).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fails when the WebSocket constructor throws', async () => {
    class Throwing {
      constructor() {
        throw new SyntaxError('The URL is invalid');
      }
    }
    const client = createClient({ WebSocket: Throwing as never });
    await advance(1);
    expect(client.state).toBe('failed');
    expect(client.stats.lastError?.message).toMatch(/constructor threw SyntaxError: The URL is invalid/);
  });
});
