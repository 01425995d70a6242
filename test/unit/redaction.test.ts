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
