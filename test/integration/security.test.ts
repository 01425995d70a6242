// Security over real sockets: what a discovery server can make the `ws` package do, and where the
// app's credentials go when discovery requests are redirected.

import { describe, expect, it } from 'vitest';
import { discover, type ResolveError } from '../../src';
import { connect, startBackend, startHttpStub, until } from './servers';

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
