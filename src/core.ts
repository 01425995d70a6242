/**
 * resilient-ws/core: the minimal client that takes features, and what it is made of.
 * @license MIT
 * @packageDocumentation
 */

export type { BackoffSettings, Jitter } from './core/backoff';
export { backoffDelay } from './core/backoff';
export { CoreWebSocket } from './core/client';
export {
  ConnectionFailedError,
  DeliveryError,
  InvalidArgumentError,
  isResilientError,
  ResilientWebSocketError,
  ResolveError,
} from './core/errors';
export type {
  CloseEventLike,
  DropInfo,
  ResilientEvents,
  ResilientListener,
  ResolvedInfo,
  SendResult,
  State,
  Stats,
} from './core/events';
export type { AttemptContext, Feature, FeatureHost, Signal, Target } from './core/feature';
export { describeOutcome } from './core/logger';
export type { Effect, Input, Phase, Step } from './core/machine';
export { lifecycle, phases, transition } from './core/machine';
export type { CoreOptions, Timers, WebSocketConstructor } from './core/options';
export { coreDefaults } from './core/options';
export type { Decision, Outcome } from './core/policy';
export { defaultDecision, defaultPolicy, policyKeys } from './core/policy';
export type { OverflowPolicy, SendData } from './core/queue';
export { redactUrl } from './core/redact';
