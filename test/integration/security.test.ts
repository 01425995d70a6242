// Security over real sockets: what a discovery server can make the `ws` package do, and where the
// app's credentials go when discovery requests are redirected.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { discover, type ResolveError } from '../../src';
import { connect, onCleanup, startBackend, startHttpStub, until } from './servers';

const settled = (client: ReturnType<typeof connect>) => () =>
  client.state === 'open' || client.state === 'failed' || client.stats.lastOutcome !== undefined;

describe('protocols in a discovery answer, with the `ws` class', () => {
  it('an object there never becomes the handshake options: no injected header or Origin', async () => {
    const backend = await startBackend();
    const protocols = { headers: { 'x-injected': 'yes' }, origin: 'https://evil.test', rejectUnauthorized: false };
    const discovery = await startHttpStub(() => ({
      status: 200,
      body: JSON.stringify({ url: backend.url, protocols }),
    }));
    const client = connect(discover(`${discovery.url}/discover`));
    await until(settled(client));
    expect(backend.handshakes.filter((headers) => headers['x-injected'] || headers.origin)).toEqual([]);
    expect(backend.upgrades).toBe(0);
    const error = (client.stats.lastOutcome as { error: ResolveError }).error;
    expect(error).toMatchObject({ name: 'ResolveError', reason: 'invalid' });
  });

  it('an object there never makes `ws` follow an upgrade redirect to a host outside allowedHosts', async () => {
    const outside = await startBackend();
    const elsewhere = outside.url.replace('127.0.0.1', 'localhost');
    const redirector = await startHttpStub(() => ({ status: 302, headers: { location: elsewhere } }));
    const body = JSON.stringify({
      url: `${redirector.url.replace('http:', 'ws:')}/ws`,
      protocols: { followRedirects: true },
    });
    const discovery = await startHttpStub(() => ({ status: 200, body }));
    const client = connect(discover(`${discovery.url}/discover`), { allowedHosts: ['127.0.0.1'] });
    await until(settled(client));
    expect(outside.upgrades).toBe(0);
    expect(client.state).not.toBe('open');
  });
});

describe('the app headers of a redirected discovery request', () => {
  async function redirectedDiscovery() {
    const backend = await startBackend();
    const target = await startHttpStub(() => ({ status: 200, body: JSON.stringify({ url: backend.url }) }));
    // Another hostname for the same machine: what allowedHosts sees as another host.
    const elsewhere = `${target.url.replace('127.0.0.1', 'localhost')}/discover`;
    const start = await startHttpStub(() => ({ status: 307, headers: { location: elsewhere } }));
    return { backend, start, target };
  }
  const request = { headers: { 'x-api-key': 'KEY' } };

  it('never reach a host that allowedHosts refuses', async () => {
    const { start, target } = await redirectedDiscovery();
    const client = connect(discover(`${start.url}/discover`, { request }), { allowedHosts: ['127.0.0.1'] });
    await until(settled(client));
    expect(target.requests.length).toBeGreaterThan(0);
    expect(target.headers.filter((headers) => headers['x-api-key'])).toEqual([]);
    expect(client.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { reason: 'refused' } });
  });

  it('go, once, to the final URL when it is allowed, after a bare request found it', async () => {
    const { backend, start, target } = await redirectedDiscovery();
    const client = connect(discover(`${start.url}/discover`, { request }), {
      allowedHosts: ['127.0.0.1', 'localhost'],
    });
    await until(() => client.state === 'open');
    expect(client.url).toBe(backend.url);
    expect(start.headers.map((headers) => headers['x-api-key'])).toEqual([undefined]);
    expect(target.headers.map((headers) => headers['x-api-key'])).toEqual([undefined, 'KEY']);
  });
});

describe('an endpoint with userinfo, against a server behind Basic authentication', () => {
  // Answers 401 + WWW-Authenticate to any GET or upgrade without `user:pass`, 426 or the upgrade with it.
  async function basicServer() {
    const expected = `Basic ${Buffer.from('user:pass').toString('base64')}`;
    const seen: string[] = [];
    const wss = new WebSocketServer({ noServer: true });
    const server = createServer((request, response) => {
      seen.push(`GET ${request.headers.authorization ?? '-'}`);
      const allowed = request.headers.authorization === expected;
      response.writeHead(allowed ? 426 : 401, allowed ? {} : { 'www-authenticate': 'Basic realm="x"' }).end();
    });
    server.on('upgrade', (request, socket, head) => {
      seen.push(`UPGRADE ${request.headers.authorization ?? '-'}`);
      if (request.headers.authorization !== expected) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Basic realm="x"\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(async () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    return { seen, url: `ws://user:pass@127.0.0.1:${(server.address() as AddressInfo).port}/ws?token=SECRET` };
  }

  it("opens at once with preflight 'always': Node's fetch refuses the URL, so it is asked without the userinfo, as Basic", async () => {
    const { seen, url } = await basicServer();
    const client = connect(url, { preflight: 'always' });
    const events: unknown[] = [];
    for (const type of ['resolving', 'resolved', 'connecting', 'reconnecting'] as const) {
      client.on(type, (info) => events.push({ type, ...info }));
    }
    await until(() => client.state === 'open');
    // The bare GET that finds the final URL, the authenticated GET, the upgrade (`ws` sends Basic itself).
    expect(seen).toEqual(['GET -', 'GET Basic dXNlcjpwYXNz', 'UPGRADE Basic dXNlcjpwYXNz']);
    expect(events.map((event) => (event as { type: string }).type)).toEqual(['resolving', 'resolved', 'connecting']);
    expect(JSON.stringify(events)).not.toMatch(/pass@|SECRET/);
    expect(client.url).toBe(url);
  });

  it("a resolver's own fetch of such a URL fails with Node's TypeError, redacted in the cause", async () => {
    const { url } = await basicServer();
    const http = url.replace('ws:', 'http:');
    const client = connect(async ({ fetch }) => (await fetch(http)).url, { maxRetries: 0 });
    await until(() => client.state === 'failed');
    const { error } = client.stats.lastOutcome as { error: ResolveError };
    const cause = error.cause as Error;
    expect(cause.name).toBe('TypeError');
    expect(`${error.message} ${cause.message} ${cause.stack}`).not.toMatch(/pass@|SECRET/);
    expect(cause.message).toContain('REDACTED');
  });
});
