// A free TCP port on 127.0.0.1, for test servers started as child processes (redis-server,
// WebKitWebDriver) that must be told a port: free when asked, taken by the child right after.

import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
