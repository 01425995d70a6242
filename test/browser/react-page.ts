// The page side of the React browser test, bundled by the test with esbuild (React's development
// build, so StrictMode mounts, unmounts and mounts again): a price feed in StrictMode, with counts
// of the sockets made, the commits, the frames and the timers still pending.

import { createElement as h, StrictMode, useLayoutEffect } from 'react';
import { createRoot, type Root } from 'react-dom/client';
// The test's bundler maps this to the built entry, dist/react.mjs.
import { useConnection, useMessages } from '../../src/bindings/react';

export interface ReactPage {
  sockets: number;
  /** The states of every client the binding made, in order. */
  states: string[];
  commits: number;
  frames: number;
  /** Timers the page's code set that neither fired nor were cleared, and where each was set. */
  timers: () => number;
  pendingTimers: () => string[];
  mount(url: string): void;
  unmount(): void;
  countFrames(on: boolean): void;
}

declare global {
  interface Window {
    reactPage: ReactPage;
  }
}

const page: ReactPage = {
  sockets: 0,
  states: [],
  commits: 0,
  frames: 0,
  timers: () => pending.size,
  pendingTimers: () => [...pending.values()],
  mount,
  unmount: () => root?.unmount(),
  countFrames,
};
window.reactPage = page;

const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    page.sockets++;
  }
};

const pending = new Map<unknown, string>();
const { setTimeout: set, clearTimeout: clear } = window;
window.setTimeout = ((callback: () => void, ms?: number, ...args: unknown[]) => {
  const id = set(
    () => {
      pending.delete(id);
      callback();
    },
    ms,
    ...args,
  );
  // Not WebKit's WebDriver: it arms a script timeout of its own for every script it runs.
  if (!/evaluateJavaScriptFunction/.test(new Error().stack ?? '')) pending.set(id, `${ms} ms: ${new Error().stack}`);
  return id;
}) as typeof setTimeout;
window.clearTimeout = (id) => {
  pending.delete(id);
  clear(id);
};

let counting = false;
function countFrames(on: boolean): void {
  const tick = () => {
    if (!counting) return;
    page.frames++;
    requestAnimationFrame(tick);
  };
  if (on && !counting) requestAnimationFrame(tick);
  counting = on;
}

const options = {
  preflight: 'never' as const,
  logger: (type: string, args: readonly unknown[]) => type === 'state' && void page.states.push(String(args[0])),
};

function Prices({ url }: { url: string }) {
  const feed = useConnection(url, options);
  const last = useMessages(feed, (_: string, message) => String(message.data), '');
  useLayoutEffect(() => {
    page.commits++;
  });
  return h('p', { id: 'price', 'data-state': feed.state }, last);
}

let root: Root | undefined;
function mount(url: string): void {
  const element = document.createElement('div');
  document.body.append(element);
  root = createRoot(element);
  root.render(h(StrictMode, null, h(Prices, { url })));
}
