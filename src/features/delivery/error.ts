// The error a message's `deliver()` promise rejects with when the outbox gives up on it, and why.

import { ResilientWebSocketError } from '../../core/errors';

declare module '../../core/errors' {
  interface ResilientErrors {
    DeliveryError: DeliveryError;
  }
}

/**
 * A message the delivery outbox dropped: `deliver()`'s promise rejects with it and `state` reports
 * it. `reason` says why:
 * - `overflow`: the outbox was full (`maxMessages` or `maxBytes`); it was never sent.
 * - `closed`: `close()` was called, or the client closed or failed, before an ack came.
 * - `timeout`: no ack came after `maxResends` resends on an open connection.
 * Match it with `isResilientError(error, 'DeliveryError')`.
 */
export class DeliveryError extends ResilientWebSocketError {
  /** Why the message was dropped. */
  declare readonly reason: 'overflow' | 'closed' | 'timeout';
  /** The message's id. */
  declare readonly id: string;
  constructor(reason: DeliveryError['reason'], id: string) {
    super(`Message ${id} dropped: ${reason}`, 'DeliveryError');
    Object.assign(this, { reason, id });
  }
}
