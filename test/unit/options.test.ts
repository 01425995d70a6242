import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaults, InvalidArgumentError, type Options, ResilientWebSocket, redactUrl } from '../../src';
import { toWebSocketUrl } from '../../src/core/url';
import { MockSocket } from './helpers';

const create = (options: Options) =>
  new ResilientWebSocket('ws://localhost:1234/', { WebSocket: MockSocket, lazy: true, ...options });

describe('options', () => {
  it('documents every default exactly as the defaults object has it', () => {
    // The options are documented where they are declared: the core's, resolution's, the switches.
    const source = ['core/options.ts', 'resolution/feature.ts', 'options.ts']
      .map((file) => readFileSync(`${__dirname}/../../src/${file}`, 'utf8'))
      .join('\n');
    const documented = Object.fromEntries(
      [...source.matchAll(/@default (\S+)[^\n]*\n\s*\*\/\n\s*(\w+)\?:/g)].map(([, value, name]) => [name, value]),
    );
    for (const [name, value] of Object.entries(defaults)) {
      const expected =
        value === Number.POSITIVE_INFINITY ? 'Infinity' : typeof value === 'string' ? `'${value}'` : String(value);
      expect(documented[name], name).toBe(expected);
    }
  });

  it.each([
    ['connectTimeout', -1],
    ['initialDelay', Number.NaN],
    ['maxDelay', Number.POSITIVE_INFINITY],
    ['minUptime', '5' as never],
    ['factor', 0.5],
    ['maxRetries', -1],
    ['maxRetries', 1.5],
    ['maxQueuedMessages', -5],
    ['maxQueuedBytes', Number.NaN],
    ['jitter', 'random'],
    ['queueOverflow', 'drop-newest'],
  ])('rejects %s = %s with an error naming it', (name, value) => {
    expect(() => create({ [name]: value })).toThrow(InvalidArgumentError);
    expect(() => create({ [name]: value })).toThrow(new RegExp(`^${name}:`));
  });

  it('rejects a maxDelay below initialDelay', () => {
    expect(() => create({ initialDelay: 5000, maxDelay: 1000 })).toThrow(/maxDelay: expected at least initialDelay/);
  });

  describe('without a WebSocket implementation', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });
    it('says what to pass', () => {
      vi.stubGlobal('WebSocket', undefined);
      expect(() => new ResilientWebSocket('ws://localhost:1234/')).toThrow(/pass the `ws` package's class/);
    });
  });
});

describe('endpoint URLs', () => {
  it('maps http(s) to ws(s) and keeps ws(s)', () => {
    expect(toWebSocketUrl('http://example.com/a?b=1')).toBe('ws://example.com/a?b=1');
    expect(toWebSocketUrl('https://example.com/a')).toBe('wss://example.com/a');
    expect(toWebSocketUrl('wss://example.com')).toBe('wss://example.com/');
  });

  it('resolves relative URLs against a base, and refuses them without one', () => {
    expect(toWebSocketUrl('/feed', 'https://example.com/app/')).toBe('wss://example.com/feed');
    expect(() => toWebSocketUrl('/feed')).toThrow(/relative URL needs a page/);
  });

  it('resolves a relative URL against the page in a browser', () => {
    expect(create({}).url).toBe('ws://localhost:1234/');
    expect(new ResilientWebSocket('/live', { WebSocket: MockSocket, lazy: true }).url).toBe(
      `ws://${location.host}/live`,
    );
  });

  it.each([
    'javascript:alert(1)',
    'data:text/plain,hi',
    'file:///etc/passwd',
    'ftp://example.com/',
    'blob:https://x/1',
  ])('refuses %s', (input) => {
    expect(() => toWebSocketUrl(input)).toThrow(InvalidArgumentError);
  });

  it('refuses a fragment, as the native constructor does', () => {
    expect(() => toWebSocketUrl('wss://example.com/#x')).toThrow(/fragment/);
  });

  it('maps every valid http(s) URL to the ws(s) URL with the same host, path and query', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), (input) => {
        const mapped = new URL(toWebSocketUrl(input));
        const original = new URL(input);
        return (
          mapped.protocol === (original.protocol === 'https:' ? 'wss:' : 'ws:') &&
          mapped.host === original.host &&
          mapped.pathname === original.pathname &&
          mapped.search === original.search
        );
      }),
    );
  });
});

describe('redactUrl', () => {
  it('hides secret query values and userinfo', () => {
    expect(redactUrl('wss://u:p@example.com/ws?token=abc&room=1&access_token=x&sig=y')).toBe(
      'wss://REDACTED:REDACTED@example.com/ws?token=REDACTED&room=1&access_token=REDACTED&sig=REDACTED',
    );
  });

  it('never lets a secret value through, whatever the parameter order or value', () => {
    const secretNames = fc.constantFrom(
      'token',
      'access_token',
      'api_key',
      'signature',
      'auth',
      'password',
      'X-Amz-Signature',
    );
    fc.assert(
      fc.property(secretNames, fc.stringMatching(/^[A-Za-z0-9]{12,40}$/), fc.string(), (name, secret, other) => {
        const url = new URL('wss://example.com/ws');
        url.searchParams.set('room', other);
        url.searchParams.set(name, secret);
        return !redactUrl(url.href).includes(secret);
      }),
    );
  });

  it('leaves a string that is not a URL as it is', () => {
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('endpoint validation, by property', () => {
  it('refuses every scheme but ws, wss, http and https, naming the argument', () => {
    const scheme = fc
      .stringMatching(/^[a-z][a-z0-9+.-]{0,9}$/)
      .filter((s) => !['ws', 'wss', 'http', 'https'].includes(s));
    fc.assert(
      fc.property(scheme, fc.webPath(), (name, path) => {
        try {
          toWebSocketUrl(`${name}://example.com${path}`);
          return false;
        } catch (error) {
          return error instanceof InvalidArgumentError && error.argument === 'url';
        }
      }),
    );
  });

  it('accepts every http(s) and ws(s) URL without a fragment, and returns a ws(s) URL', () => {
    const url = fc.tuple(
      fc.constantFrom('ws', 'wss', 'http', 'https'),
      fc.domain(),
      fc.webPath(),
      fc.webQueryParameters(),
    );
    fc.assert(
      fc.property(url, ([scheme, host, path, query]) => {
        const result = toWebSocketUrl(`${scheme}://${host}${path}${query ? `?${query}` : ''}`);
        return /^wss?:\/\//.test(result) && result.startsWith(scheme === 'wss' || scheme === 'https' ? 'wss:' : 'ws:');
      }),
    );
  });
});
