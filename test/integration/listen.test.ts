// Restarting a test server on the port it had: the port may be held for a moment (by the old
// server's last socket, or by another process that got it meanwhile); listen() waits for it.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listen, onCleanup } from './servers';

describe('listen', () => {
  it('takes the port once whoever held it lets it go, instead of failing at once', async () => {
    const holder = createServer();
    await listen(holder, 0);
    const { port } = holder.address() as AddressInfo;
    const restarted = createServer();
    onCleanup(() => new Promise<void>((resolve) => restarted.close(() => resolve())));
    let listening = false;
    const taking = listen(restarted, port).then(() => {
      listening = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(listening).toBe(false);
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    await taking;
    expect((restarted.address() as AddressInfo).port).toBe(port);
  });
});
