// resilient-ws/svelte: the connection and its message reducers are stores in Svelte's contract,
// read by Svelte's own store functions; the first subscriber connects, the last one's leaving
// closes the socket a tick later.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { derived, get } from 'svelte/store';
import { describe, expect, it, vi } from 'vitest';
import { connection, messages } from '../../src/bindings/svelte';
import { countingSocket, freshUrl, mockOptions, serve, useFakeFrames } from './bindings';

useFakeFrames();
const root = join(__dirname, '../..');

describe('the svelte stores', () => {
  it('call a subscriber at once, then on each change; the last unsubscribe closes the socket', async () => {
    const url = freshUrl();
    const { sockets } = serve(url);
    const counting = countingSocket();
    const feed = connection(url, mockOptions(counting.WebSocket));
    expect(get(feed).state).toBe('idle');
    // get() subscribes and unsubscribes: a tick of grace, then the client is gone.
    await vi.advanceTimersByTimeAsync(50);
    expect(counting.open()).toBe(0);

    const states: string[] = [];
    const stopState = feed.subscribe((snapshot) => states.push(snapshot.state));
    const last = messages(feed, (_, message: MessageEvent) => String(message.data), 'none');
    const label = derived([feed, last], ([$feed, $last]) => `${$feed.state} ${$last}`);
    const labels: string[] = [];
    const stopLabel = label.subscribe((value) => labels.push(value));
    await vi.advanceTimersByTimeAsync(50);
    expect(states.at(-1)).toBe('open');
    expect(states.filter((state) => state === 'open')).toHaveLength(1);
    for (let i = 1; i <= 100; i++) sockets[0]?.send(`price ${i}`);
    await vi.advanceTimersByTimeAsync(50);
    expect(labels.at(-1)).toBe('open price 100');
    expect(labels.filter((value) => value.startsWith('open price'))).toHaveLength(1);
    expect(counting.made.length - counting.open()).toBe(1);

    stopState();
    expect(counting.open()).toBe(1);
    stopLabel();
    await vi.advanceTimersByTimeAsync(50);
    expect(counting.open()).toBe(0);
    expect(get(feed).state).toBe('idle');
    await vi.advanceTimersByTimeAsync(50);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('make nothing where there is no window (a server)', () => {
    const native = vi.fn();
    vi.stubGlobal('WebSocket', native);
    vi.stubGlobal('window', undefined);
    const counting = countingSocket();
    const feed = connection(freshUrl(), mockOptions(counting.WebSocket));
    const seen: string[] = [];
    feed.subscribe((snapshot) => seen.push(snapshot.state))();
    vi.unstubAllGlobals();
    expect(seen).toEqual(['idle']);
    expect(feed.client).toBeUndefined();
    expect(counting.made).toHaveLength(0);
    expect(native).not.toHaveBeenCalled();
  });
});

describe('a Svelte 5 component', () => {
  it('renders the idle state on the server through $store, touching no WebSocket', async () => {
    const { compile } = await import('svelte/compiler');
    const { render } = await import('svelte/server');
    const source = `<script>
  import { connection, messages } from ${JSON.stringify(join(root, 'src/bindings/svelte.ts'))};
  let { url, options } = $props();
  const feed = connection(url, options);
  const last = messages(feed, (_, message) => message.data, 'none');
</script>
<p>{$feed.state} {$last}</p>`;
    const { js } = compile(source, { generate: 'server', filename: 'Feed.svelte' });
    // In the repository (test-results/ is ignored by git), so vitest transforms it and its imports.
    const directory = join(root, 'test-results/svelte');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `Feed-${process.pid}.js`);
    writeFileSync(file, js.code);
    try {
      const { default: Feed } = await import(/* @vite-ignore */ file);
      const native = vi.fn();
      vi.stubGlobal('WebSocket', native);
      vi.stubGlobal('window', undefined);
      const counting = countingSocket();
      // Any client made would log its states: none may exist.
      const states: unknown[] = [];
      const options = { ...mockOptions(counting.WebSocket), logger: (type: string) => states.push(type) };
      const { body } = render(Feed, { props: { url: freshUrl(), options } });
      vi.unstubAllGlobals();
      await vi.advanceTimersByTimeAsync(50);
      expect(body).toContain('<p>idle none</p>');
      expect(states).toEqual([]);
      expect(counting.made).toHaveLength(0);
      expect(native).not.toHaveBeenCalled();
    } finally {
      rmSync(file, { force: true });
    }
  });
});
