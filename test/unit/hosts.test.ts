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
