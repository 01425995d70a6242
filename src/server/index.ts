/*! resilient-ws | MIT License */
// resilient-ws/server: the reference server of docs/delivery-protocol.md for Node and the `ws`
// package — acks and exactly-once delivery to the app, stream buffers and resume, fleet plumbing.

export { type Bus, type BusListener, MemoryBus, RedisBus } from './bus';
export {
  type ClaimResult,
  type DedupStore,
  MAX_SCOPE_LENGTH,
  type MemoryDedupOptions,
  MemoryDedupStore,
  type RedisDedupOptions,
  RedisDedupStore,
} from './dedup';
export {
  type DeliveryConnection,
  type DeliveryEndpointOptions,
  deliveryEndpoint,
} from './endpoint';
export {
  type ClientFrame,
  encodeAck,
  encodeStreamMessage,
  parseClientFrame,
  parseStreamMessage,
  type StreamMessage,
} from './envelope';
export { defaultFrameLimits, type FrameLimits } from './limits';
export {
  createMemoryPublisher,
  createRedisPublisher,
  type StreamPublisher,
  type StreamPublisherOptions,
} from './publisher';
export { RedisClient, type RedisClientOptions, RedisError, type RedisReply } from './redis';
export { RingBuffer } from './ring';
export { defaultStreamChannel, StreamHub, type StreamHubOptions, type StreamListener } from './streams';
