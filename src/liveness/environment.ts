// The page and network around the client: online/offline, visibility, freeze/resume and the
// back/forward cache. Every source is injectable; where one does not exist (Node, workers) it is
// simply not watched.

/** Where environment events come from. Each defaults to the global one, when it exists. */
export interface Environment {
  /** Fires online, offline, pagehide, pageshow. @default globalThis */
  window?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** Fires visibilitychange, freeze, resume; has visibilityState. @default globalThis.document */
  document?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & { visibilityState?: string };
  /** Has onLine. @default globalThis.navigator */
  navigator?: { onLine?: boolean };
}

/** Which environment events to watch. */
export interface EnvironmentSwitches {
  watchNetwork: boolean;
  watchVisibility: boolean;
  watchPageLifecycle: boolean;
}

/** The environment with its defaults filled in from the globals. */
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

/** Adds `listener` for the switched-on events; returns the function that removes it again. */
export function watchEnvironment(
  environment: Environment,
  switches: EnvironmentSwitches,
  listener: EventListenerObject,
): () => void {
  const { window, document } = environment;
  const watched: [typeof window, string][] = [];
  if (switches.watchNetwork) watched.push([window, 'online'], [window, 'offline']);
  if (switches.watchVisibility) watched.push([document, 'visibilitychange']);
  if (switches.watchPageLifecycle) {
    watched.push([window, 'pagehide'], [window, 'pageshow'], [document, 'freeze'], [document, 'resume']);
  }
  for (const [target, type] of watched) target?.addEventListener(type, listener);
  return () => {
    for (const [target, type] of watched) target?.removeEventListener(type, listener);
  };
}
