// resilient-ws/vue with Vue itself, rendering in happy-dom: refs that follow the connection, one
// socket shared by components, released when their scope is disposed; server rendering with
// vue/server-renderer touches no WebSocket.

import { describe, expect, it, vi } from 'vitest';
import { createApp, createSSRApp, defineComponent, effectScope, h, nextTick } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { type ConnectionOptions, useConnection, useMessages } from '../../src/bindings/vue';
import { countingSocket, freshUrl, mockOptions, serve, useFakeFrames } from './bindings';

useFakeFrames();

const run = async (ms: number) => {
  await vi.advanceTimersByTimeAsync(ms);
  await nextTick();
};

function setup() {
  const url = freshUrl();
  const { sockets } = serve(url);
  const counting = countingSocket();
  // The states of every client made: none may exist during server rendering.
  const states: string[] = [];
  const options: ConnectionOptions = {
    ...mockOptions(counting.WebSocket),
    logger: (type, args) => type === 'state' && void states.push(String(args[0])),
  };
  const renders = { count: 0 };
  const reducer = vi.fn((_: string, message: MessageEvent) => String(message.data));
  const Feed = defineComponent({
    setup() {
      const feed = useConnection(url, options);
      const last = useMessages(feed, reducer, 'none');
      return () => {
        renders.count++;
        return h('p', `${feed.state.value} ${last.value}`);
      };
    },
  });
  return { url, sockets, counting, states, options, renders, reducer, Feed };
}

describe('useConnection and useMessages in components', () => {
  it('share one socket, follow the state and the messages at most once per frame, and close after the last unmount', async () => {
    const { sockets, counting, renders, reducer, Feed } = setup();
    const container = document.createElement('div');
    const app = createApp({ render: () => [h(Feed), h(Feed)] });
    app.mount(container);
    expect(container.textContent).toBe('idle noneidle none');
    await run(50);
    expect(counting.made).toHaveLength(1);
    expect(container.textContent).toBe('open noneopen none');
    const before = renders.count;
    for (let i = 1; i <= 1000; i++) {
      sockets[0]?.send(`price ${i}`);
      await vi.advanceTimersByTimeAsync(1);
    }
    await run(50);
    expect(reducer).toHaveBeenCalledTimes(2000);
    expect(container.textContent).toBe('open price 1000open price 1000');
    // Two components, 1,050 ms of 16 ms frames: 66 renders each at most.
    expect(renders.count - before).toBeLessThanOrEqual(2 * 66);
    app.unmount();
    expect(counting.open()).toBe(1);
    await run(50);
    expect(counting.open()).toBe(0);
    // Vue's development build waits 3 s for its devtools with a timer of its own.
    await run(3000);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('useConnection in an effect scope', () => {
  it('connects at once and lets go of the client when the scope is disposed', async () => {
    const { counting, options, url } = setup();
    const scope = effectScope();
    const feed = scope.run(() => useConnection(url, options));
    await run(50);
    expect(feed?.state.value).toBe('open');
    expect(feed?.client?.state).toBe('open');
    expect(feed?.send('hello')).toBe('sent');
    scope.stop();
    await run(50);
    expect(counting.open()).toBe(0);
    expect(feed?.client).toBeUndefined();
    expect(feed?.send('late')).toBe('dropped');
  });
});

describe('server rendering', () => {
  it('renders the idle state and touches no WebSocket; the hydrated app then connects', async () => {
    const { counting, states, Feed } = setup();
    const native = vi.fn();
    vi.stubGlobal('WebSocket', native);
    const html = await renderToString(createSSRApp({ render: () => h(Feed) }));
    vi.unstubAllGlobals();
    await vi.advanceTimersByTimeAsync(50);
    expect(html).toBe('<p>idle none</p>');
    expect(states).toEqual([]);
    expect(counting.made).toHaveLength(0);
    expect(native).not.toHaveBeenCalled();

    const container = document.createElement('div');
    container.innerHTML = html;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const app = createSSRApp({ render: () => h(Feed) });
    app.mount(container);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    await run(50);
    expect(container.textContent).toBe('open none');
    app.unmount();
    await run(50);
    expect(counting.open()).toBe(0);
  });
});
