// "Status 200 when connecting", over real sockets: a server that answers every GET and every
// upgrade with a page, as a single-page app's fallback route or a proxy that drops the Upgrade
// header does. The `ws` package reports the handshake as 1006, as a browser does.

import { describe, expect, it } from 'vitest';
import { startDemo } from '../../examples/server/demo.mjs';
import type { ConnectionFailedError, Outcome } from '../../src';
import { connect, onCleanup, startHttpStub, until } from './servers';

const html = { 'content-type': 'text/html' };

describe('a server that answers the WebSocket URL with 200 text/html', () => {
  it('is reported as not-websocket after a 200 and a failed handshake, and the client keeps backing off', async () => {
    const stub = await startHttpStub(() => ({ status: 200, headers: html, body: '<!doctype html><p>app</p>' }));
    const client = connect(`${stub.url.replace('http:', 'ws:')}/ws`);
    const reasons: { reason: Outcome; delay: number }[] = [];
    client.on('reconnecting', ({ reason, delay }) => reasons.push({ reason, delay }));
    await until(() => reasons.length >= 3);
    // The direct handshake (1006), the probe's 200 and its handshake (1006), then the 200 again.
    expect(reasons.map(({ reason }) => reason.type)).toEqual(['close', 'close', 'not-websocket']);
    expect(reasons[2]?.reason).toEqual({
      type: 'not-websocket',
      status: 200,
      contentType: 'text/html',
      url: `${stub.url}/ws`,
    });
    expect(reasons.every(({ delay }) => delay > 0)).toBe(true);
    expect(stub.requests.filter((request) => request.startsWith('UPGRADE'))).toHaveLength(2);
  });

  it('through the demo: its "answer 200" switch, and the message the client gives up with', async () => {
    const demo = await startDemo({ port: 0 });
    onCleanup(() => demo.close());
    demo.control.setStatus('a', 200);
    const client = connect(demo.control.backendUrl('a'), { maxRetries: 2 });
    let failed: ConnectionFailedError | undefined;
    client.on('failed', (error) => {
      failed = error;
    });
    await until(() => failed !== undefined);
    expect(failed?.status).toBe(200);
    expect(failed?.outcome).toMatchObject({ type: 'not-websocket', contentType: 'text/html; charset=utf-8' });
    expect(failed?.message).toContain('not a WebSocket server: a wrong path, a proxy that drops the Upgrade');
  });
});
