// allowedHosts: refused at construction when it could never match, and matched whatever the
// case or trailing dot of either side.

import { describe, expect, it } from 'vitest';
import { advance, clientOf, createClient, spySockets, useFakeClock } from './helpers';

useFakeClock();

describe('allowedHosts', () => {
  it.each([
    ['a string', 'example.com'],
    ['a URL', ['https://example.com']],
    ['a host with a port', ['example.com:443']],
    ['a number', [42]],
    ['a pattern with a space', ['*.exa mple.com']],
    ['an object', { hosts: [] }],
    ['a bad rule among good ones', ['example.com', 'https://example.org']],
    ['an IPv6 literal with a port', ['[::1]:443']],
    ['an IPv6 literal after a name', ['host[::1]']],
    ['brackets around something else', ['[example]']],
  ])('rejects %s at construction', (_, allowedHosts) => {
    expect(() => createClient({ allowedHosts: allowedHosts as never })).toThrow(/^allowedHosts:/);
  });

  it.each([
    [['Example.COM.'], 'ws://example.com/'],
    [['example.com'], 'ws://EXAMPLE.com./'],
    [['*.Example.com'], 'ws://a.example.com./'],
    [(host: string) => host === 'example.com', 'ws://example.com./'],
  ])('matches %o and %s whatever the case or trailing dot', async (allowedHosts, target) => {
    const { made, WebSocket } = spySockets();
    clientOf(() => target, { allowedHosts, WebSocket });
    await advance(1);
    expect(made).toHaveLength(1);
  });

  it('admits a host that any one rule names, an IPv6 literal included', async () => {
    const { made, WebSocket } = spySockets();
    const allowedHosts = ['api.example.org', '*.example.com', '[::1]'];
    clientOf(() => 'ws://a.example.com/', { allowedHosts, WebSocket });
    clientOf(() => 'ws://[::1]:1234/', { allowedHosts, WebSocket });
    await advance(10);
    expect(made.map(({ url }) => url)).toEqual(['ws://a.example.com/', 'ws://[::1]:1234/']);
  });

  it('matches a plain name exactly: not a host that ends with it, nor its subdomains', async () => {
    const { made, WebSocket } = spySockets();
    const allowedHosts = ['example.com'];
    const refused = ['ws://notexample.com/', 'ws://a.example.com/'].map((target) =>
      clientOf(() => target, { allowedHosts, WebSocket }),
    );
    await advance(10);
    expect(made).toEqual([]);
    for (const ws of refused)
      expect(ws.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { reason: 'refused' } });
  });

  it('treats a predicate that throws as a refusal', async () => {
    const { made, WebSocket } = spySockets();
    const allowedHosts = () => {
      throw new Error('lookup failed');
    };
    const ws = clientOf(() => 'ws://example.com/', { allowedHosts, WebSocket });
    await advance(10);
    expect(made).toEqual([]);
    expect(ws.state).toBe('failed');
    expect(ws.stats.lastOutcome).toMatchObject({ type: 'resolve', error: { reason: 'refused' } });
  });
});
