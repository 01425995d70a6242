// The network feature: no attempt is spent while the browser is offline, a connection open when
// the network goes is held (and checked), and `online` brings the client back soon.

import type { Feature } from '../core/feature';
import { defaultEnvironment, type Environment } from './environment';

/**
 * Watches `online` and `offline`: while offline the state is `offline` and no attempt is spent;
 * an open connection is held (sends queue) and checked by a heartbeat, if there is one; `online`
 * reconnects within a few hundred ms, or reopens a held connection.
 * @param environment where the events come from; the globals by default.
 */
export function network(environment?: Environment): Feature {
  return {
    attach(host) {
      const { window, navigator } = defaultEnvironment(environment);
      const listener = host.step((event: Event) => host.signal(event.type as 'online' | 'offline'));
      host.signal(navigator?.onLine === false ? 'offline' : 'online');
      window?.addEventListener('online', listener);
      window?.addEventListener('offline', listener);
      return () => {
        window?.removeEventListener('online', listener);
        window?.removeEventListener('offline', listener);
      };
    },
  };
}
