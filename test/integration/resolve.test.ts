import { describe, expect, it } from 'vitest';
import { discover } from '../../src';
import { connect, type HttpStub, startBackend, startHttpStub, until } from './servers';

describe('redirected endpoints, real HTTP on other ports', () => {
  it.each([301, 302, 307, 308])(
    'a %i to the http twin on another port: the handshake fails, the preflight follows it, the socket opens there',
    async (status) => {
      const backend = await startBackend();
      const twin = backend.url.replace('ws:', 'http:');
      const redirector = await startHttpStub(() => ({ status, headers: { location: twin } }));
      const client = connect(`${redirector.url.replace('http:', 'ws:')}/ws`);
      const resolved: unknown[] = [];
      client.on('resolved', (info) => resolved.push(info));
      await until(() => client.state === 'open');
      expect(client.url).toBe(backend.url);
      // The WebSocket itself does not follow: one upgrade refused, then one GET that is followed.
      expect(redirector.requests).toEqual(['UPGRADE /ws', 'GET /ws']);
      expect(backend.upgrades).toBe(1);
      expect(resolved.at(-1)).toMatchObject({ via: 'preflight', redirected: true, status: 426, url: backend.url });
      client.send('through the redirect');
      await until(() => backend.received.length === 1);
    },
  );

  it('with preflight always, the first attempt already goes where a chain of hops leads', async () => {
    const backend = await startBackend();
    const last = await startHttpStub(() => ({
      status: 308,
      headers: { location: backend.url.replace('ws:', 'http:') },
    }));
    const first = await startHttpStub(() => ({ status: 302, headers: { location: `${last.url}/ws` } }));
    const client = connect(`${first.url}/ws`, { preflight: 'always' });
    await until(() => client.state === 'open');
    expect(first.requests).toEqual(['GET /ws']);
    expect(last.requests).toEqual(['GET /ws']);
    expect(client.stats.attempts).toBe(1);
  });
});

describe('what the server says over HTTP', () => {
  it('403 ends with one attempt and a typed error carrying the status', async () => {
    const stub = await startHttpStub(() => ({ status: 403 }));
    const client = connect(`${stub.url.replace('http:', 'ws:')}/ws`);
    const failures: unknown[] = [];
    client.on('failed', (error) => failures.push(error));
    await until(() => client.state === 'failed');
    expect(stub.requests).toEqual(['UPGRADE /ws', 'GET /ws']);
    expect(client.stats.attempts).toBe(1);
    expect(failures[0]).toMatchObject({ name: 'ConnectionFailedError', status: 403 });
  });

  it('503 with Retry-After: 3 gets no attempt before 3 s', async () => {
    const backend = await startBackend();
    let unavailable = true;
    const stub = await startHttpStub((): { status: number; headers: Record<string, string> } =>
      unavailable
        ? { status: 503, headers: { 'retry-after': '3' } }
        : { status: 302, headers: { location: backend.url.replace('ws:', 'http:') } },
    );
    const client = connect(`${stub.url}/ws`, { preflight: 'always' });
    await until(() => stub.requests.length === 1);
    const answeredAt = Date.now();
    unavailable = false;
    await until(() => client.state === 'open', 6000);
    const [, second] = stub.requests;
    expect(second).toBe('GET /ws');
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(3000);
    expect(backend.upgrades).toBe(1);
  });
});

describe('discovery', () => {
  it('moves clients from one backend to another when the first dies', async () => {
    const a = await startBackend();
    const b = await startBackend();
    let current = a;
    const discovery = await startHttpStub(() => ({ status: 200, body: JSON.stringify({ url: current.url }) }));
    const client = connect(discover(`${discovery.url}/discover`));
    await until(() => client.state === 'open');
    expect(client.url).toBe(a.url);
    // A reconnect after a stable connection reuses the answer at no extra request.
    expect(discovery.requests).toHaveLength(1);

    current = b;
    await a.kill();
    await until(() => client.state === 'open' && client.url === b.url);
    client.send('on b');
    await until(() => b.received.length === 1);
    expect(discovery.requests.length).toBeGreaterThanOrEqual(2);
  });

  it('asks the endpoint it gave over HTTP after a failed handshake: a 403 there ends in one handshake', async () => {
    const b = await startHttpStub(() => ({ status: 403 }));
    const discovery = await startHttpStub(() => ({
      status: 200,
      body: JSON.stringify({ url: `${b.url.replace('http:', 'ws:')}/ws` }),
    }));
    const client = connect(discover(`${discovery.url}/discover`));
    const failures: unknown[] = [];
    client.on('failed', (error) => failures.push(error));
    await until(() => client.state === 'failed');
    expect(b.requests).toEqual(['UPGRADE /ws', 'GET /ws']);
    expect(discovery.requests).toEqual(['GET /discover']);
    expect(failures[0]).toMatchObject({ name: 'ConnectionFailedError', status: 403 });
  });

  it('obeys a Retry-After from the endpoint it gave: no handshake, probe or discovery before it', async () => {
    const backend = await startBackend();
    const until503 = Date.now() + 4500;
    // Every request to the endpoint and to discovery, in order.
    const requests: { what: string; at: number }[] = [];
    const b: HttpStub = await startHttpStub(() => {
      const unavailable = Date.now() < until503;
      requests.push({ what: `b ${b.requests.at(-1)}`, at: Date.now() });
      return unavailable ? { status: 503, headers: { 'retry-after': '2' } } : { status: 426 };
    });
    const discovery = await startHttpStub(() => {
      requests.push({ what: 'discovery', at: Date.now() });
      const target = Date.now() < until503 ? `${b.url.replace('http:', 'ws:')}/ws` : backend.url;
      return { status: 200, body: JSON.stringify({ url: target }) };
    });
    const client = connect(discover(`${discovery.url}/discover`));
    await until(() => client.state === 'open', 10_000);
    expect(client.url).toBe(backend.url);
    const kinds = requests.map(({ what }) => what);
    // One handshake on the endpoint, then HTTP probes only, until it is back.
    expect(kinds.slice(0, 3)).toEqual(['discovery', 'b UPGRADE /ws', 'b GET /ws']);
    expect(kinds.filter((what) => what === 'b UPGRADE /ws')).toHaveLength(1);
    const probes = requests.filter(({ what, at }) => what === 'b GET /ws' && at < until503);
    expect(probes.length).toBeGreaterThanOrEqual(2);
    for (const probe of probes) {
      const next = requests[requests.indexOf(probe) + 1];
      expect(next, 'a request after each refused probe').toBeDefined();
      expect((next?.at ?? 0) - probe.at, `${probe.what} then ${next?.what}`).toBeGreaterThanOrEqual(2000);
    }
  }, 15_000);
});
