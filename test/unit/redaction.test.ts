// Secrets in URLs never reach an event, an error or stats: not from the endpoint, a resolver's
// URL, an error a resolver throws, nor a URL that does not even parse.

import { describe, expect, it, vi } from 'vitest';
import { discover, type ResilientWebSocket, ResolveError, redactUrl } from '../../src';
import { advance, clientOf, fakeFetch, record, startServer, useFakeClock } from './helpers';

useFakeClock();

// Everything the app can read about failures, as text: events, stats, errors and their causes.
function exposed(ws: ResilientWebSocket, log: [string, unknown][]): string {
  const seen = new Set<unknown>();
  const text = (value: unknown): string => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return String(value);
    seen.add(value);
    const own = Object.getOwnPropertyNames(value).map((key) => `${key}=${text((value as never)[key])}`);
    return `{${own.join(' ')}}`;
  };
  return text([log, ws.stats]);
}

describe('redaction', () => {
  it('redacts the URL of a ResolveError a resolver throws, in every event and in stats', async () => {
    const resolver = () => {
      throw new ResolveError('Refused', 'status', 'https://u:pw@x.test/d?token=SECRET&room=1', undefined, 403);
    };
    const ws = clientOf(resolver);
    const log = record(ws, 'reconnecting', 'failed');
    await advance(10);
    expect(ws.state).toBe('failed');
    const text = exposed(ws, log);
    expect(text).not.toMatch(/SECRET|pw@/);
    expect(text).toContain('token=REDACTED');
  });

  it("redacts a resolver's invalid URL in messages, causes and urls", async () => {
    const ws = clientOf(() => 'http://user:pw@[bad/?token=SECRET');
    const log = record(ws, 'reconnecting');
    await advance(10);
    const reason = ws.stats.lastOutcome as { error: ResolveError };
    expect(reason.error.reason).toBe('invalid');
    expect(exposed(ws, log)).not.toMatch(/SECRET|pw@/);
  });

  it('redacts a discovery URL with a secret in its messages', async () => {
    const { fetch } = fakeFetch({ status: 503 });
    const ws = clientOf(discover('http://localhost:9999/d?ticket=SECRET'), { fetch });
    const log = record(ws, 'resolving', 'reconnecting');
    await advance(10);
    expect(exposed(ws, log)).not.toContain('SECRET');
  });

  it.each([
    'password',
    'pwd',
    'bearer',
    'ticket',
    'hmac',
    'otp',
    'sig',
    'X-Amz-Signature',
    'X-Amz-Credential',
    'X-Amz-Security-Token',
    'sv',
    'se',
    'sr',
  ])('hides the value of %s', (name) => {
    expect(redactUrl(`wss://x.test/?${name}=SECRET&room=1`)).toBe(`wss://x.test/?${name}=REDACTED&room=1`);
  });

  it('keeps ordinary parameters that only start or end like an Azure SAS field, or hold X-Amz- inside', () => {
    const url = 'wss://x.test/?stream=prices&section=2&first=1&list=a&trace-x-amz-id=7';
    expect(redactUrl(url)).toBe(url);
  });

  it('redacts text that is not a URL too', () => {
    expect(redactUrl('//u:p@[x/?hmac=SECRET')).not.toMatch(/SECRET|u:p/);
  });

  it('leaves the url getter raw, as documented', async () => {
    startServer.at('ws://localhost:1234/?token=T');
    const ws = clientOf('ws://localhost:1234/?token=T');
    expect(ws.url).toBe('ws://localhost:1234/?token=T');
  });
});

describe('a WebSocket constructor that throws', () => {
  it('leaves no secret it quoted in the outcome', async () => {
    class Throwing {
      constructor(url: string) {
        throw new SyntaxError(`Failed to construct 'WebSocket': The URL '${url}' is invalid.`);
      }
    }
    const ws = clientOf('ws://localhost:1234/?token=SECRET', {
      WebSocket: Throwing as never,
      queueHandshakes: false,
    });
    const failed = vi.fn();
    ws.on('failed', failed);
    await advance(10);
    expect(failed).toHaveBeenCalledOnce();
    const outcome = ws.stats.lastOutcome as { error: Error };
    expect(outcome.error.name).toBe('SyntaxError');
    expect(outcome.error.message).toContain('token=REDACTED');
    expect(JSON.stringify(ws.stats) + outcome.error.message).not.toContain('SECRET');
  });
});

describe("a platform's error behind a ResolveError", () => {
  it('reaches the app as an Error with its name and a redacted message (the cause)', async () => {
    const quoted = 'http://user:pw@x.test/ws?token=SECRET';
    const refused = new TypeError(`Request cannot be constructed from a URL that includes credentials: ${quoted}`);
    refused.stack = `TypeError: ${refused.message}\n    at fetch (${quoted})`;
    const { fetch } = fakeFetch(refused);
    const ws = clientOf(discover('http://x.test/d'), { fetch, maxRetries: 0 });
    const log = record(ws, 'reconnecting', 'failed');
    await advance(10);
    const { error } = ws.stats.lastOutcome as { error: ResolveError };
    const cause = error.cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe('TypeError');
    expect(cause.message).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://REDACTED:REDACTED@x.test/ws?token=REDACTED',
    );
    expect(cause.stack).not.toMatch(/SECRET|pw@/);
    expect(exposed(ws, log)).not.toMatch(/SECRET|pw@/);
  });

  it('is redacted when a resolver throws it, and when it is not even an Error', async () => {
    for (const thrown of [new RangeError('bad //u:pw@x.test/?key=SECRET'), 'text //u:pw@x.test/?key=SECRET']) {
      const ws = clientOf(() => Promise.reject(thrown), { maxRetries: 0 });
      const log = record(ws, 'failed');
      await advance(10);
      const { error } = ws.stats.lastOutcome as { error: ResolveError };
      expect((error.cause as Error).message).toMatch(/key=REDACTED/);
      expect((error.cause as Error).name).toBe(thrown instanceof Error ? 'RangeError' : 'Error');
      expect(exposed(ws, log)).not.toMatch(/SECRET|pw@/);
    }
  });
});

describe('an endpoint with userinfo (ws://user:password@host)', () => {
  const endpoint = 'ws://us%20er:p%C3%A4ss@localhost:1234/ws?token=T';

  it('is connected to as given, and preflighted without it, carrying it as Basic credentials', async () => {
    const { fetch, requests, inits } = fakeFetch({ status: 426 });
    const ws = clientOf(endpoint, { fetch, preflight: 'always', queueHandshakes: false });
    const log = record(ws, 'resolved', 'connecting', 'reconnecting');
    await advance(10);
    // A bare GET finds where redirects lead; the request with the credentials goes there.
    expect(requests).toEqual(['http://localhost:1234/ws?token=T', 'http://localhost:1234/ws?token=T']);
    const basic = `Basic ${Buffer.from('us er:päss').toString('base64')}`;
    expect(inits.map((init) => (init.headers as Record<string, string> | undefined)?.authorization)).toEqual([
      undefined,
      basic,
    ]);
    expect(inits[1].redirect).toBe('error');
    // The handshake keeps the userinfo: a browser and the `ws` package answer a 401 with it.
    expect(ws.url).toBe(endpoint);
    expect(log.map(([name]) => name).slice(0, 2)).toEqual(['resolved', 'connecting']);
    expect(JSON.stringify(log)).not.toMatch(/us%20er|p%C3%A4ss|token=T/);
    expect(JSON.stringify(log)).toContain('ws://REDACTED:REDACTED@localhost:1234/ws?token=REDACTED');
  });

  it("gives way to the app's own request headers", async () => {
    const { fetch, inits } = fakeFetch({ status: 426 });
    clientOf(endpoint, { fetch, preflight: 'always', request: { headers: { Authorization: 'Bearer app' } } });
    await advance(10);
    expect(inits[1].headers).toEqual({ Authorization: 'Bearer app' });
  });

  it('is left behind where a preflight was redirected to', async () => {
    const { fetch } = fakeFetch({ status: 426, url: 'http://127.0.0.1:1234/ws' });
    const ws = clientOf(endpoint, { fetch, preflight: 'always', queueHandshakes: false });
    await advance(10);
    expect(ws.url).toBe('ws://127.0.0.1:1234/ws');
  });
});
