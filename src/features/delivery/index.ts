// The `resilient-ws/delivery` entry: acknowledged sends, stream resume and subscriptions as a
// feature of the client, in the wire format of docs/delivery-protocol.md by default.

export {
  type Delivery,
  type DeliveryEvents,
  delivery,
  type Gap,
  type MessageState,
  type Pending,
  type Sending,
} from './delivery';
export { jsonAck, jsonPosition, jsonResume, jsonWrap, type StreamPosition } from './envelope';
export { DeliveryError } from './error';
export { type DeliveryOptions, deliveryDefaults } from './options';
export {
  localStorageOutbox,
  type OutboxStorage,
  readOutbox,
  type SavedOutbox,
  type WebStorage,
} from './storage';
