/**
 * resilient-ws/svelte: a shared, counted client as a readable store (the store contract, so
 * Svelte 4 and 5 both take it with `$`), and stores of reducers over its messages.
 * @license MIT
 * @packageDocumentation
 */

import type { Connection, MessageReducer, Readable } from './store';

export type {
  Connection,
  ConnectionOptions,
  ConnectionSnapshot,
  ConnectionTarget,
  MessageReducer,
  Readable,
} from './store';
export { connection, idleSnapshot } from './store';

/**
 * A readable store of the state `reducer` makes of the messages received while it has
 * subscribers, starting at `initial`; it changes at most once per animation frame.
 * Same as `connection.messages(reducer, initial)`.
 *
 * ```svelte
 * <script>
 *   import { connection, messages } from 'resilient-ws/svelte';
 *   const feed = connection('wss://example.com/feed');
 *   const last = messages(feed, (_, message) => message.data, '');
 * </script>
 * <p>{$feed.state}: {$last}</p>
 * ```
 */
export function messages<S>(from: Connection, reducer: MessageReducer<S>, initial: S): Readable<S> {
  return from.messages(reducer, initial);
}
