// The built bundles, as a page loads them: dist/resilient-ws.umd.min.js by a script tag
// (global ResilientWS) and dist/index.mjs as an ES module.

import { expect, it } from 'vitest';
import { openDemoPage, trace, waitForMessage, waitForState } from './harness';
import { describeInEngines } from './suite';

describeInEngines('the built bundles', (t) => {
  it('UMD by script tag: the ResilientWS global connects to backend a and echoes', async () => {
    const page = await openDemoPage(t, 'umd');
    const url = t.demo.control.backendUrl('a');
    const sent = await page.evaluate((url) => {
      const client = window.watch('main', new window.ResilientWS.ResilientWebSocket(url));
      return client.send('hello over UMD');
    }, url);
    // Sent before the socket opened: queued, then delivered on open.
    expect(sent).toBe('queued');
    await waitForMessage(page, 'hello over UMD');
    await waitForState(page, 'open');
    const { states, resolved } = await trace(page);
    expect(states.map((entry) => entry.state)).toEqual(['connecting', 'open']);
    // A direct handshake: whether it was redirected on the way is not known to script.
    expect(resolved).toEqual([{ via: 'direct', url, redirected: undefined, cached: false }]);
    expect(t.demo.control.status().backends.a).toMatchObject({ upgrades: 1, clients: 1 });
  });

  it('ESM build in a module script, its bare eventemitter3 import mapped by an import map: connects and echoes', async () => {
    const page = await openDemoPage(t, 'esm');
    // The module namespace, not the UMD global: the UMD bundle was never requested.
    const requested = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((entry) => new URL(entry.name).pathname)
        .filter((path) => path.startsWith('/dist/')),
    );
    // The entry first, then the modules it imports: the feature entries and the shared chunks.
    expect(requested[0]).toBe('/dist/index.mjs');
    expect(requested.every((path) => path.endsWith('.mjs'))).toBe(true);
    expect(await page.evaluate(() => Object.prototype.toString.call(window.ResilientWS))).toBe('[object Module]');

    const url = t.demo.control.backendUrl('a');
    await page.evaluate((url) => {
      window.watch('main', new window.ResilientWS.ResilientWebSocket(url)).send('hello over ESM');
    }, url);
    await waitForMessage(page, 'hello over ESM');
    await waitForState(page, 'open');
    expect(t.demo.control.status().backends.a).toMatchObject({ upgrades: 1, clients: 1 });
  });
});
