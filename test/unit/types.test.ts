// The public API's types, checked by the compiler (npm run typecheck) and by expectTypeOf.

import { describe, expectTypeOf, it } from 'vitest';
import {
  type ConnectionFailedError,
  type Decision,
  discover,
  type Outcome,
  ResilientWebSocket,
  type ResolvedInfo,
  type SendResult,
  type State,
} from '../../src';

describe('public types', () => {
  it('types every event listener by its event', () => {
    const ws = new ResilientWebSocket('wss://example.com/', { lazy: true, WebSocket: class {} as never });
    ws.on('state', (state, previous) => {
      expectTypeOf(state).toEqualTypeOf<State>();
      expectTypeOf(previous).toEqualTypeOf<State>();
    });
    ws.on('reconnecting', (info) =>
      expectTypeOf(info).toEqualTypeOf<{ attempt: number; delay: number; reason: Outcome }>(),
    );
    ws.on('resolved', (info) => expectTypeOf(info).toEqualTypeOf<ResolvedInfo>());
    ws.on('failed', (error) => expectTypeOf(error).toEqualTypeOf<ConnectionFailedError>());
    ws.on('message', (event) => expectTypeOf(event).toEqualTypeOf<MessageEvent>());
    // @ts-expect-error: no such event
    ws.on('opened', () => {});
    expectTypeOf(ws.send).returns.toEqualTypeOf<SendResult>();
    ws.close();
  });

  it('rejects wrong option types at compile time', () => {
    const construct = (options: ConstructorParameters<typeof ResilientWebSocket>[1]) => options;
    // @ts-expect-error: jitter is one of four names
    construct({ jitter: 'random' });
    // @ts-expect-error: maxDelay is a number of ms
    construct({ maxDelay: '30s' });
    // @ts-expect-error: decide returns a Decision
    construct({ decide: () => 'retry' });
    expectTypeOf<Decision>().toEqualTypeOf<
      'connect' | 'reconnect' | 'reconnect-later' | 'refresh-auth' | 'fatal' | 'stop'
    >();
    expectTypeOf(discover).returns.toBeFunction();
  });
});
