/**
 * resilient-ws/react: hooks over a shared, counted client, through `useSyncExternalStore`, safe
 * under StrictMode and in server rendering.
 * @license MIT
 * @packageDocumentation
 */

import { useMemo, useSyncExternalStore } from 'react';
import type { CoreWebSocket, SendData, SendResult } from '../index';
import {
  type Connection,
  type ConnectionOptions,
  type ConnectionSnapshot,
  type ConnectionTarget,
  connection,
  idleSnapshot,
  type MessageReducer,
} from './store';

export type {
  Connection,
  ConnectionOptions,
  ConnectionSnapshot,
  ConnectionTarget,
  MessageReducer,
  Readable,
} from './store';
export { connection, idleSnapshot } from './store';

/** What {@link useConnection} returns: the snapshot's fields, `send`, and the connection. */
export interface UseConnection extends ConnectionSnapshot {
  /** The shared connection, for {@link useMessages} (in this component or a child). */
  readonly connection: Connection;
  /** The client once the component has mounted; undefined while rendering on the server. */
  readonly client: CoreWebSocket | undefined;
  /** Sends through the client; `'dropped'` before the component has mounted. */
  send(data: SendData): SendResult;
}

/**
 * The connection to `target` (a URL, or a client the app made), shared with every component that
 * names the same key (`options.key`, else the URL): the first to mount creates the client, and
 * a tick after the last has unmounted it is closed (a client the app made is left open). The
 * component re-renders when the state, stats or last error change, at most once per frame.
 * On the server, and in the first render of a hydration, the state is `idle`.
 *
 * ```tsx
 * const { state, send } = useConnection('wss://example.com/feed');
 * ```
 */
export function useConnection(target: ConnectionTarget, options?: ConnectionOptions): UseConnection {
  const key = typeof target === 'object' && !(target instanceof URL) ? target : (options?.key ?? String(target));
  // The key names the connection: options given later for the same key are not used.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above.
  const store = useMemo(() => connection(target, options), [key]);
  const snapshot = useSyncExternalStore(store.subscribe, store.get, () => idleSnapshot);
  return useMemo(
    () => ({
      ...snapshot,
      connection: store,
      get client() {
        return store.client;
      },
      send: store.send,
    }),
    [snapshot, store],
  );
}

/**
 * The state `reducer` makes of the messages received since the component mounted, starting at
 * `initial`. The reducer runs for every message (the one of the latest render); the component
 * re-renders at most once per animation frame, with the latest state. Return the same state for
 * "no change": a new object on every message means a render every frame.
 *
 * ```tsx
 * const last = useMessages(feed, (_, message) => message.data as string, '');
 * ```
 */
export function useMessages<S>(from: Connection | UseConnection, reducer: MessageReducer<S>, initial: S): S {
  const store = 'connection' in from ? from.connection : from;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the initial state is read once.
  const messages = useMemo(() => store.messages(reducer, initial), [store]);
  messages.reducer = reducer;
  return useSyncExternalStore(messages.subscribe, messages.get, messages.get);
}
