// resilient-ws/react with React itself, rendering in happy-dom: one socket under StrictMode,
// renders batched per frame whatever the message rate, the socket closed a tick after the last
// unmount, and server rendering that touches no WebSocket.

import { act, createElement as h, StrictMode } from 'react';
import { createRoot, hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ConnectionOptions, useConnection, useMessages } from '../../src/bindings/react';
import { delivery } from '../../src/features/delivery';
import { countingSocket, freshUrl, mockOptions, serve, useFakeFrames } from './bindings';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
useFakeFrames();

let container: HTMLElement;
beforeEach(() => {
  container = document.createElement('div');
  document.body.append(container);
});
afterEach(() => container.remove());

const run = async (ms: number) => {
  await act(() => vi.advanceTimersByTimeAsync(ms));
};

function setup() {
  const url = freshUrl();
  const { sockets } = serve(url);
  const counting = countingSocket();
  const renders = { count: 0 };
  const reducer = vi.fn((_: string, message: MessageEvent) => String(message.data));
  // The states of every client the bindings make: a client closed for StrictMode's unmount shows here.
  const states: string[] = [];
  const options: ConnectionOptions = {
    ...mockOptions(counting.WebSocket),
    logger: (type, args) => type === 'state' && void states.push(String(args[0])),
  };
  function Feed() {
    renders.count++;
    const feed = useConnection(url, options);
    const last = useMessages(feed, reducer, 'none');
    return h('p', null, `${feed.state} ${last}`);
  }
  return { url, sockets, counting, states, renders, reducer, Feed, options };
}

describe('useConnection under StrictMode', () => {
  it('keeps one client through the unmount and mount, opens one socket, and shows the state', async () => {
    const { counting, states, Feed } = setup();
    const root = createRoot(container);
    await act(() => root.render(h(StrictMode, null, h(Feed))));
    await run(50);
    expect(states).toEqual(['connecting', 'open']);
    expect(counting.made).toHaveLength(1);
    expect(container.textContent).toBe('open none');
    await act(() => root.unmount());
    await run(50);
    expect(counting.open()).toBe(0);
  });

  it('shares one socket between the components that name the same URL', async () => {
    const { counting, Feed } = setup();
    const root = createRoot(container);
    await act(() => root.render(h(StrictMode, null, h(Feed), h(Feed), h(Feed))));
    await run(50);
    expect(counting.made).toHaveLength(1);
    expect(container.textContent).toBe('open noneopen noneopen none');
    await act(() => root.unmount());
  });
});

describe('useMessages', () => {
  it('runs the reducer for every message and renders at most once per frame, with the last value', async () => {
    const { sockets, renders, reducer, Feed } = setup();
    const root = createRoot(container);
    await act(() => root.render(h(Feed)));
    await run(50);
    const before = renders.count;
    // Outside act(), as in an app: React renders when it is told, not when a test scope ends.
    const actEnvironment = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
    actEnvironment.IS_REACT_ACT_ENVIRONMENT = false;
    try {
      // 1,000 messages a second, one every ms, each in a task of its own.
      for (let i = 1; i <= 1000; i++) {
        sockets[0]?.send(`price ${i}`);
        await vi.advanceTimersByTimeAsync(1);
      }
      await vi.advanceTimersByTimeAsync(50);
    } finally {
      actEnvironment.IS_REACT_ACT_ENVIRONMENT = true;
    }
    expect(reducer).toHaveBeenCalledTimes(1000);
    expect(container.textContent).toBe('open price 1000');
    // 1,050 ms of 16 ms frames: 66 frames, one render each at most.
    expect(renders.count - before).toBeLessThanOrEqual(66);
    expect(renders.count - before).toBeGreaterThan(30);
    await act(() => root.unmount());
  });

  it('renders nothing for a message whose reducer returns the same state', async () => {
    const { sockets, renders, Feed } = setup();
    const root = createRoot(container);
    await act(() => root.render(h(Feed)));
    await run(50);
    sockets[0]?.send('same');
    await run(50);
    const before = renders.count;
    for (let i = 0; i < 10; i++) sockets[0]?.send('same');
    await run(100);
    expect(renders.count).toBe(before);
    await act(() => root.unmount());
  });

  it('keeps going when a reducer throws: the error is reported, the other components still render', async () => {
    const { url, sockets, options } = setup();
    const reported = vi.fn();
    const report = globalThis.reportError;
    globalThis.reportError = reported;
    function Bad() {
      const feed = useConnection(url, options);
      useMessages(
        feed,
        () => {
          throw new Error('bad reducer');
        },
        0,
      );
      return null;
    }
    function Good() {
      return h(
        'p',
        null,
        useMessages(useConnection(url, options), (_, message) => String(message.data), ''),
      );
    }
    const root = createRoot(container);
    await act(() => root.render([h(Bad, { key: 1 }), h(Good, { key: 2 })]));
    await run(50);
    sockets[0]?.send('still here');
    await run(50);
    globalThis.reportError = report;
    expect(container.textContent).toBe('still here');
    expect(reported).toHaveBeenCalledWith(expect.objectContaining({ message: 'bad reducer' }));
    await act(() => root.unmount());
  });
});

describe('the last unmount', () => {
  it('closes the socket a tick later and leaves no timer; a remount within the tick keeps it', async () => {
    const { counting, Feed } = setup();
    const root = createRoot(container);
    await act(() => root.render(h(Feed)));
    await run(50);
    // A route change: unmounted and mounted again in one commit.
    await act(() => root.render(h('div', null, h(Feed))));
    await run(50);
    expect(counting.made).toHaveLength(1);
    expect(counting.open()).toBe(1);
    await act(() => root.unmount());
    expect(counting.open()).toBe(1);
    await run(1);
    expect(counting.made[0]?.readyState).toBeGreaterThanOrEqual(2);
    await run(50);
    expect(counting.open()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves a client the app made open', async () => {
    const url = freshUrl();
    serve(url);
    const counting = countingSocket();
    const { ResilientWebSocket } = await import('../../src');
    const client = new ResilientWebSocket(url, mockOptions(counting.WebSocket));
    function Status() {
      return h('p', null, useConnection(client).state);
    }
    const root = createRoot(container);
    await act(() => root.render(h(Status)));
    await run(50);
    expect(container.textContent).toBe('open');
    await act(() => root.unmount());
    await run(50);
    expect(client.state).toBe('open');
    expect(client.listenerCount('state')).toBe(0);
    client.close();
    await run(50);
  });
});

describe('server rendering', () => {
  it('renders the idle state and touches no WebSocket; hydration matches, then connects', async () => {
    const { counting, states, Feed } = setup();
    const native = vi.fn();
    vi.stubGlobal('WebSocket', native);
    const html = renderToString(h(Feed));
    await vi.advanceTimersByTimeAsync(50);
    expect(html).toBe('<p>idle none</p>');
    // No client was made: it would have logged its states.
    expect(states).toEqual([]);
    expect(counting.made).toHaveLength(0);
    expect(native).not.toHaveBeenCalled();
    vi.unstubAllGlobals();

    container.innerHTML = html;
    const problems = vi.fn();
    let root: ReturnType<typeof hydrateRoot> | undefined;
    await act(() => {
      root = hydrateRoot(container, h(Feed), { onRecoverableError: problems });
    });
    await run(50);
    expect(problems).not.toHaveBeenCalled();
    expect(container.textContent).toBe('open none');
    await act(() => root?.unmount());
  });
});

describe('with the delivery feature', () => {
  it('delivers through the shared client, and again through the next one after a remount', async () => {
    const url = freshUrl();
    const { server } = serve(url);
    server.on('connection', (socket) => {
      socket.on('message', (data) => {
        const { id } = JSON.parse(String(data)) as { id: string };
        socket.send(JSON.stringify({ ack: id }));
      });
    });
    const counting = countingSocket();
    const chat = delivery();
    const ticks: string[] = [];
    chat.on('state', (_, state) => ticks.push(state));
    const options = { ...mockOptions(counting.WebSocket), features: [chat] };
    function Chat() {
      return h('p', null, useConnection(url, options).state);
    }
    for (const round of [1, 2]) {
      const root = createRoot(container);
      await act(() => root.render(h(StrictMode, null, h(Chat))));
      await run(50);
      expect(container.textContent).toBe('open');
      const sending = chat.deliver({ text: `hello ${round}` });
      await run(50);
      await expect(sending).resolves.toBeUndefined();
      await act(() => root.unmount());
      await run(50);
    }
    expect(ticks).toEqual(['queued', 'sent', 'acked', 'queued', 'sent', 'acked']);
    expect(counting.made).toHaveLength(2);
    expect(counting.open()).toBe(0);
  });
});

describe('the snapshot', () => {
  it('carries the error that made the client fail', async () => {
    const url = freshUrl();
    const counting = countingSocket();
    // No server: every handshake fails; one retry, then the client gives up.
    const options = { ...mockOptions(counting.WebSocket), maxRetries: 1 };
    function Status() {
      const { state, lastError } = useConnection(url, options);
      return h('p', null, `${state} ${lastError?.name ?? '-'}`);
    }
    const root = createRoot(container);
    await act(() => root.render(h(Status)));
    await run(60_000);
    expect(container.textContent).toBe('failed ConnectionFailedError');
    await act(() => root.unmount());
    await run(50);
  });
});
