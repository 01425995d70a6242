// The error a message's `deliver()` promise rejects with when the outbox gives up on it, and why.
// It lives with the SDK's other errors (core/errors.ts), so `isResilientError` knows its name.

export { DeliveryError } from '../../core/errors';
