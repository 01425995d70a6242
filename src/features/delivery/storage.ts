// Where the outbox is kept between page loads: the storage interface, an in-memory store, a Web
// Storage adapter, and the check that makes whatever was stored safe to use.

/** What the outbox saves: its next counter, and each pending message as `[id, data]`. */
export interface SavedOutbox {
  next: number;
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

/**
 * An outbox kept in memory: survives a new feature instance made on it (a remounted component),
 * not a page reload.
 */
export function memoryOutbox(): OutboxStorage & { saved?: SavedOutbox } {
  return {
    load() {
      return this.saved;
    },
    save(outbox) {
      this.saved = outbox;
    },
  };
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
 * What of `value` is a usable saved outbox: a counter (moved past every kept id's), and the items
 * that are `[id, data]` with a string id (others are left out); undefined if the counter is not usable.
 */
export function readOutbox(value: unknown): SavedOutbox | undefined {
  let { next, items } = (value ?? {}) as SavedOutbox;
  if (!Number.isSafeInteger(next) || next < 0) return;
  // `concat` takes what is not an array as one item, left out as any other that is not a pair.
  items = ([] as unknown[])
    .concat(items)
    .filter((item) => Array.isArray(item) && typeof item[0] === 'string') as SavedOutbox['items'];
  // Past every kept id's counter (after its last dot), so a page that draws the same key never
  // reuses an id (the server would drop the message as a resend). A counter too large to count
  // on exactly is no counter.
  for (const [id] of items) {
    const counter = parseInt(/\.([\da-z]+)$/.exec(id)?.[1] ?? '', 36);
    if (Number.isSafeInteger(counter + 1)) next = Math.max(next, counter + 1);
  }
  return { next, items };
}
