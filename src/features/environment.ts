// Where the network and page features listen: the globals, or what the app injects. A source
// that does not exist (Node, workers) is simply not watched.

/** Where environment events come from. Each defaults to the global one, when it exists. */
export interface Environment {
  /** Fires online, offline, pagehide, pageshow. @default globalThis */
  window?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** Fires visibilitychange, freeze, resume; has visibilityState. @default globalThis.document */
  document?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & { visibilityState?: string };
  /** Has onLine. @default globalThis.navigator */
  navigator?: { onLine?: boolean };
}

/** `given`, with each missing source taken from the globals. */
export function defaultEnvironment(given: Environment = {}): Environment {
  const global = globalThis as {
    addEventListener?: unknown;
    document?: Environment['document'];
    navigator?: Environment['navigator'];
  };
  return {
    window: typeof global.addEventListener === 'function' ? (global as Environment['window']) : undefined,
    document: global.document,
    navigator: global.navigator,
    ...given,
  };
}
