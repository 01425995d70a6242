// The page lifecycle feature: visibility, freeze/resume and the back/forward cache. A parked page
// closes its socket cleanly (so it stays cacheable) and reconnects when it returns.

import type { Feature } from '../core/feature';
import { defaultEnvironment, type Environment } from './environment';

/** What {@link page} watches. */
export interface PageOptions {
  /**
   * Watch visibilitychange: on return to visible, check liveness now, or cut a long wait short.
   * @default true
   */
  visibility?: boolean;
  /**
   * Watch pagehide/pageshow (back/forward cache) and freeze/resume: close cleanly when the page
   * is parked (state `suspended`) so it stays cacheable, and reconnect when it returns.
   * @default true
   */
  lifecycle?: boolean;
  /**
   * Where the events come from.
   * @default the globals: globalThis, document
   */
  environment?: Environment;
}

/** Watches the page; see {@link PageOptions}. */
export function page({ visibility = true, lifecycle = true, environment }: PageOptions = {}): Feature {
  return {
    attach(host) {
      const { window, document } = defaultEnvironment(environment);
      const listener = host.step((event: Event) => {
        const { type } = event;
        if (type === 'visibilitychange') {
          if (document?.visibilityState === 'visible') host.signal('visible');
        } else if (type === 'freeze' || (type === 'pagehide' && (event as PageTransitionEvent).persisted)) {
          host.signal('hide');
        } else if (type === 'pageshow' || type === 'resume') host.signal('show');
      });
      const watched: [Environment['window'], string][] = [];
      if (visibility) watched.push([document, 'visibilitychange']);
      if (lifecycle) {
        watched.push([window, 'pagehide'], [window, 'pageshow'], [document, 'freeze'], [document, 'resume']);
      }
      for (const [target, type] of watched) target?.addEventListener(type, listener);
      return () => {
        for (const [target, type] of watched) target?.removeEventListener(type, listener);
      };
    },
  };
}
