// Where the outbox is kept between page loads: the storage interface, an in-memory store, a Web
// Storage adapter, and the check that makes whatever was stored safe to use.

/** What the outbox saves: each pending message as `[id, data]`, oldest first. */
export interface SavedOutbox {
  items: [id: string, data: unknown][];
}

/**
 * Keeps the outbox. `load()` is called once, synchronously, when the feature is made; `save()`
 * with a new object after changes (a message, an ack, a drop; what a load kept), once per burst:
 * in a microtask after the code that made them. It may return a promise (not awaited; its failure
 * is ignored, as is a throw: the outbox then lives in memory only). What `load()` returns is
 * checked, so a store may hand back anything, corrupt or foreign data included. For an asynchronous store
 * (IndexedDB), read it before making the feature and return that value from `load()`.
 */
export interface OutboxStorage {
  load(): unknown;
  save(outbox: SavedOutbox): void | Promise<void>;
}

/** What {@link localStorageOutbox} uses of a Web Storage (`localStorage`, `sessionStorage`). */
export interface WebStorage {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
}

/**
 * An outbox kept in Web Storage under `name`, so messages sent while offline survive a reload and
 * go out after it, with the same ids. Their data must be JSON (as with the default envelope).
 * Every tab writing the same `name` overwrites the others' outbox: give each writer its own
 * name, or pass `sessionStorage` (one per tab, kept across reloads). A full or blocked storage
 * is ignored: the outbox then lives in memory only.
 * @param name The storage key. @default 'resilient-ws.outbox'
 * @param storage The Web Storage. @default globalThis.localStorage
 */
export function localStorageOutbox(name = 'resilient-ws.outbox', storage?: WebStorage): OutboxStorage {
  // Looked up at use: reading `localStorage` throws where storage is blocked.
  const store = () => storage ?? (globalThis as { localStorage?: WebStorage }).localStorage!;
  return {
    load() {
      try {
        return JSON.parse(store().getItem(name) as string);
      } catch {}
    },
    save(outbox) {
      try {
        store().setItem(name, JSON.stringify(outbox));
      } catch {}
    },
  };
}

/**
 * Whether `id` follows the protocol's id rules, as a server checks them: a string of 1 to 128
 * characters with no control character. A stored id that breaks them would be refused by the
 * server and wait for its ack for ever.
 */
export const isId = (id: unknown): id is string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  typeof id === 'string' && /^[^\0-\x1f]{1,128}$/.test(id);

/**
 * What of `value` is a usable saved outbox: the first `max` items that are `[id, data]` with an id
 * that follows the protocol's rules ({@link isId}), in order, and how many were left out (the
 * rest, and others that are not such pairs).
 * Looks at no more items than it needs, so a tampered store of any size costs at most `max` steps.
 */
export function readOutbox(value: unknown, max = Infinity): SavedOutbox & { dropped: number } {
  const stored = (value as Partial<SavedOutbox> | null)?.items;
  const all: unknown[] = Array.isArray(stored) ? stored : [];
  const items: SavedOutbox['items'] = [];
  for (let i = 0; i < all.length && items.length < max; i++) {
    const item = all[i];
    if (Array.isArray(item) && isId(item[0])) items.push(item as [string, unknown]);
  }
  return { items, dropped: all.length - items.length };
}
