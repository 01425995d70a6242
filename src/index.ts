/**
 * resilient-ws: a resilient WebSocket client for browsers.
 * @license MIT
 * @packageDocumentation
 */

export type { BackoffSettings, Jitter } from './backoff';
export { backoffDelay } from './backoff';
export { ResilientWebSocket } from './client';
export { ConnectionFailedError, InvalidArgumentError, isResilientError, ResilientWebSocketError } from './errors';
export type { DropInfo, ResilientEvents, SendResult, State, Stats } from './events';
export type { Options, Timers, WebSocketConstructor } from './options';
export { defaults } from './options';
export type { Decision, Outcome } from './policy';
export { defaultDecision, defaultPolicy } from './policy';
export type { OverflowPolicy, SendData } from './queue';
export { redactUrl } from './resolve/url';
