// The debug log: a line per event with what ended each attempt and the delay that followed, and
// no secret from a URL.

import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { describeEvent, ResilientWebSocket } from '../../src';
import { advance, createClient, MockSocket, startServer, useFakeClock } from './helpers';

useFakeClock();

describe('logger', () => {
  it('reports transitions, outcomes, decisions and delays', async () => {
    const server = startServer();
    const lines: string[] = [];
    createClient({ logger: (type, args) => lines.push(`[resilient-ws] ${describeEvent(type, args)}`) });
    await advance(10);
    server.clients()[0]?.close({ code: 1011, reason: 'bye', wasClean: true });
    await advance(10);
    expect(lines.slice(0, 5)).toEqual([
      '[resilient-ws] resolved ws://localhost:1234/ via direct',
      '[resilient-ws] state idle → connecting',
      '[resilient-ws] connecting to ws://localhost:1234/ (attempt 0)',
      '[resilient-ws] state connecting → open',
      '[resilient-ws] open',
    ]);
    expect(lines).toContain('[resilient-ws] retry 1 in 500 ms after close code 1011 (bye)');
  });

  it('redacts the token of a URL it connects to', async () => {
    startServer.at('ws://localhost:1234/feed?token=SECRET');
    const lines: string[] = [];
    const client = new ResilientWebSocket('ws://localhost:1234/feed?token=SECRET', {
      WebSocket: MockSocket,
      logger: (type, args) => lines.push(`[resilient-ws] ${describeEvent(type, args)}`),
    });
    await advance(10);
    expect(lines).toContain('[resilient-ws] connecting to ws://localhost:1234/feed?token=REDACTED (attempt 0)');
    expect(lines.join('\n')).not.toContain('SECRET');
    client.close();
  });
});

describe('a logger that throws', () => {
  it('is reported, and the listeners still get the event', async () => {
    const reported: unknown[] = [];
    vi.stubGlobal('reportError', (error: unknown) => reported.push(error));
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    startServer();
    const client = createClient({
      logger: () => {
        throw new Error('logger bug');
      },
    });
    const opened = vi.fn();
    client.on('open', opened);
    await advance(10);
    expect(opened).toHaveBeenCalledOnce();
    expect(reported.length).toBeGreaterThan(0);
  });
});
