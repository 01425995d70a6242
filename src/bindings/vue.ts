/**
 * resilient-ws/vue: composables over a shared, counted client, as refs, released when the
 * component's (or effect scope's) scope is disposed; nothing connects during server rendering.
 * @license MIT
 * @packageDocumentation
 */

import { computed, getCurrentInstance, onMounted, onScopeDispose, type Ref, shallowRef } from 'vue';
import type { ConnectionFailedError, CoreWebSocket, SendData, SendResult, State, Stats } from '../index';
import {
  type Connection,
  type ConnectionOptions,
  type ConnectionSnapshot,
  type ConnectionTarget,
  connection,
  type MessageReducer,
  type Readable,
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

/** What {@link useConnection} returns: read-only refs of the snapshot, `send`, and the connection. */
export interface UseConnection {
  readonly snapshot: Readonly<Ref<ConnectionSnapshot>>;
  readonly state: Readonly<Ref<State>>;
  readonly stats: Readonly<Ref<Readonly<Stats>>>;
  readonly lastError: Readonly<Ref<ConnectionFailedError | undefined>>;
  /** The shared connection, for {@link useMessages}. */
  readonly connection: Connection;
  /** The client once mounted; undefined during server rendering. */
  readonly client: CoreWebSocket | undefined;
  /** Sends through the client; `'dropped'` before the component has mounted. */
  send(data: SendData): SendResult;
}

// A ref of `store`, subscribed once the component has mounted (never on the server), or at once
// outside a component (in an effect scope); unsubscribed when the scope is disposed.
function follow<T>(store: Readable<T>): Readonly<Ref<T>> {
  const value = shallowRef(store.get());
  let stop: (() => void) | undefined;
  const start = () => {
    stop = store.subscribe((next) => {
      value.value = next;
    });
  };
  if (getCurrentInstance()) onMounted(start);
  else start();
  onScopeDispose(() => stop?.());
  return value;
}

/**
 * The connection to `target` (a URL, or a client the app made), shared with every component that
 * names the same key (`options.key`, else the URL): the first to mount creates the client, and a
 * tick after the last scope using it is disposed it is closed (a client the app made is left
 * open). Call it in `setup` or inside an `effectScope`; outside any scope nothing would release it.
 * The refs change when the state, stats or last error change, at most once per frame.
 */
export function useConnection(target: ConnectionTarget, options?: ConnectionOptions): UseConnection {
  const store = connection(target, options);
  const snapshot = follow(store);
  return {
    snapshot,
    state: computed(() => snapshot.value.state),
    stats: computed(() => snapshot.value.stats),
    lastError: computed(() => snapshot.value.lastError),
    connection: store,
    get client() {
      return store.client;
    },
    send: store.send,
  };
}

/**
 * A ref of the state `reducer` makes of the messages received since the component mounted,
 * starting at `initial`; it changes at most once per animation frame, to the latest state.
 */
export function useMessages<S>(
  from: Connection | UseConnection,
  reducer: MessageReducer<S>,
  initial: S,
): Readonly<Ref<S>> {
  return follow(('connection' in from ? from.connection : from).messages(reducer, initial));
}
