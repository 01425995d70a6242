// Events in words: what ended an attempt, for error messages, and one line per event for the
// `logger` option, built from the payloads alone (where URLs are already redacted).

import { dev } from './dev';
import type { ResilientEvents } from './events';
import type { Outcome } from './policy';

/** What ended an attempt, in words, for logs and error messages. */
export function describeOutcome(outcome: Outcome): string {
  const { type } = outcome;
  if (type === 'close') return `close code ${outcome.code}${outcome.reason ? ` (${outcome.reason})` : ''}`;
  if (type === 'http') return `HTTP ${outcome.status} from ${outcome.url}`;
  if (type === 'not-websocket')
    return `HTTP ${outcome.status} ${outcome.contentType} from ${outcome.url}, not a WebSocket server${dev ? ': a wrong path, a proxy that drops the Upgrade and Connection headers, or a fallback route?' : ''}`;
  if (type === 'resolve') return outcome.error.message;
  if (type === 'exception') return `the WebSocket constructor threw ${outcome.error}`;
  return type === 'timeout' ? 'a connect timeout' : 'a missed heartbeat deadline';
}

/**
 * One line of text for an event and its arguments, for the `logger` option:
 * `logger: (type, args) => console.debug(describeEvent(type, args))`.
 */
export function describeEvent(type: keyof ResilientEvents, args: readonly unknown[]): string {
  const [first, second] = args as [Record<string, never>, unknown];
  switch (type) {
    case 'state':
      return `state ${second} → ${first}`;
    case 'resolving':
      return `asking ${first.via} ${first.url} (attempt ${first.attempt})`;
    case 'resolved':
      return `resolved ${first.url} via ${first.via}${first.redirected ? ', redirected' : ''}${
        first.status ? `, HTTP ${first.status}` : ''
      }${first.cached ? ', cached' : ''}`;
    case 'connecting':
      return `connecting to ${first.url} (attempt ${first.attempt})`;
    case 'close':
      return `closed: code ${first.code}${first.reason ? ` (${first.reason})` : ''}${first.wasClean ? '' : ', not clean'}`;
    case 'reconnecting':
      return `retry ${first.attempt} in ${Math.round(first.delay)} ms after ${describeOutcome(first.reason)}`;
    case 'failed':
      return `failed: ${(first as unknown as Error).message}`;
    case 'drop':
      return `dropped a message (${first.reason})`;
    default:
      return type;
  }
}
