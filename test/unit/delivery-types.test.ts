// The delivery feature's public types, checked by the compiler (npm run typecheck) and expectTypeOf.

import { describe, expectTypeOf, it } from 'vitest';
import type { Feature } from '../../src/core/feature';
import {
  type Delivery,
  type DeliveryError,
  delivery,
  type Gap,
  type MessageState,
  type Pending,
  type Sending,
} from '../../src/features/delivery';

describe('delivery types', () => {
  it('is a Feature, typed by the data it delivers', () => {
    const chat = delivery<{ text: string }>();
    expectTypeOf(chat).toExtend<Feature>();
    expectTypeOf(chat).toEqualTypeOf<Delivery<{ text: string }>>();
    expectTypeOf(chat.deliver).parameter(0).toEqualTypeOf<{ text: string }>();
    expectTypeOf(chat.deliver({ text: 'hi' })).toEqualTypeOf<Sending>();
    expectTypeOf(chat.deliver({ text: 'hi' }).id).toEqualTypeOf<string>();
    expectTypeOf(chat.pending).toEqualTypeOf<readonly Pending<{ text: string }>[]>();
    // @ts-expect-error the data must be of the declared type
    chat.deliver(42);
    // @ts-expect-error pending messages are read-only
    chat.pending[0].state = 'sent';
    expectTypeOf(delivery().deliver).parameter(0).toEqualTypeOf<unknown>();
  });

  it('types the wrap option by the data and the events by name', () => {
    delivery<number>({ wrap: (data, id) => `${id}:${data.toFixed(2)}` });
    // @ts-expect-error wrap must return something a WebSocket sends
    delivery({ wrap: () => 42 });
    const chat = delivery();
    chat.on('state', (id, state, error) => {
      expectTypeOf(id).toEqualTypeOf<string>();
      expectTypeOf(state).toEqualTypeOf<MessageState>();
      expectTypeOf(error).toEqualTypeOf<DeliveryError | undefined>();
    });
    chat.on('gap', (gap) => {
      expectTypeOf(gap).toEqualTypeOf<Gap>();
      expectTypeOf(gap.from).toEqualTypeOf<number>();
    });
    // @ts-expect-error no such event
    chat.on('acked', () => {});
  });
});
