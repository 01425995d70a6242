/**
 * resilient-ws: a resilient WebSocket client for browsers.
 * @license MIT
 * @packageDocumentation
 */

export type { BackoffSettings, Jitter } from './backoff';
export { backoffDelay } from './backoff';
export { ResilientWebSocket } from './client';
export {
  ConnectionFailedError,
  InvalidArgumentError,
  isResilientError,
  ResilientWebSocketError,
  ResolveError,
} from './errors';
export type { DropInfo, ResilientEvents, ResilientListener, ResolvedInfo, SendResult, State, Stats } from './events';
export type { Environment } from './liveness/environment';
export type { HeartbeatOptions } from './liveness/heartbeat';
export { heartbeatCloseCode } from './liveness/heartbeat';
export { describeEvent, describeOutcome } from './logger';
export type { Options, Timers, WebSocketConstructor } from './options';
export { defaults } from './options';
export type { Decision, Outcome } from './policy';
export { defaultDecision, defaultPolicy, policyKeys } from './policy';
export type { OverflowPolicy, SendData } from './queue';
export type { DiscoveryOptions, DiscoveryParser, Resolution } from './resolve/discovery';
export { discover, parseDiscovery } from './resolve/discovery';
export type { RequestSettings } from './resolve/http';
export type { ResolveContext, Resolver } from './resolve/resolver';
export type { HostRule } from './resolve/url';
export { redactUrl } from './resolve/url';
