// One WebSocket handshake at a time per scheme, host and port, shared by every client in this JS
// realm (a page, a worker), so a client's connect timeout measures its own handshake only.

// Chromium lets one WebSocket per host and port be CONNECTING and holds the others back, and its
// per-renderer throttle delays every new handshake by 1-5 s × 2^min(pending + failed/(succeeded+1), 16) / 2^16
// (services/network/websocket_throttler.cc). Many clients opening at once therefore wait inside the
// browser with their connect timeouts running, time out on handshakes never sent, and each
// abandoned one counts as a failure. Queued here instead, they wait without a timer, and the
// browser sees one pending handshake per endpoint, which its throttle barely delays.

// Per endpoint: the running handshake first, then the waiting ones in arrival order. An endpoint
// with none is removed, so the map holds only endpoints someone is connecting to. Each entry is
// scheduled once, when it becomes the head.
const queues = new Map<string, (() => void)[]>();

function endpointOf(url: string): string {
  try {
    const { protocol, host } = new URL(url);
    return `${protocol}//${host}`;
  } catch {
    // The WebSocket constructor will throw for it; its turn ends right there.
    return url;
  }
}

/**
 * Runs `start` when no other handshake to the same endpoint is running or queued ahead of it,
 * first come first served, always in a microtask: never inside the caller's stack, nor inside
 * another client's handler. Returns `leave`, which `start` also receives: call it when the
 * handshake has opened, failed, closed or been abandoned, or to give up a place still waiting.
 * Calling it again does nothing.
 */
export function queueHandshake(url: string, start: (leave: () => void) => void): () => void {
  const key = endpointOf(url);
  const queue = queues.get(key) ?? [];
  queues.set(key, queue);
  const entry = () => start(leave);
  // Schedules the head; the check skips one that left before its microtask ran.
  const startHead = () => {
    const head = queue[0];
    if (head) queueMicrotask(() => queue[0] === head && head());
    else queues.delete(key);
  };
  const leave = () => {
    const index = queue.indexOf(entry);
    if (index < 0) return;
    queue.splice(index, 1);
    if (index === 0) startHead();
  };
  queue.push(entry);
  if (queue.length === 1) startHead();
  return leave;
}

/** How many handshakes are running or waiting, per endpoint (`ws://host:port`); for tests. */
export function queuedHandshakes(): Record<string, number> {
  return Object.fromEntries([...queues].map(([key, queue]) => [key, queue.length]));
}
