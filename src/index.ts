/**
 * resilient-ws: a resilient WebSocket client for browsers. This entry has everything: the
 * batteries-included {@link ResilientWebSocket}, the core client and every feature.
 * @license MIT
 * @packageDocumentation
 */

export * from './core';
export { describeEvent } from './core/logger';
export * from './features/delivery';
export type { Environment } from './features/environment';
export type { HeartbeatOptions } from './features/heartbeat';
export { heartbeat, heartbeatCloseCode } from './features/heartbeat';
export { network } from './features/network';
export type { PageOptions } from './features/page';
export { page } from './features/page';
export type { Options } from './options';
export { defaults } from './options';
export type { DiscoveryOptions, DiscoveryParser } from './resolution/discovery';
export { discover, parseDiscovery } from './resolution/discovery';
export type { ResolutionOptions } from './resolution/feature';
export { preflight, resolveWith } from './resolution/feature';
export type { RequestSettings } from './resolution/http';
export type { Resolution, ResolveContext, Resolver } from './resolution/resolver';
export type { HostRule } from './resolution/url';
export { ResilientWebSocket } from './websocket';
