// Back online → open, in Node: the client starts 'offline' in an injected environment; we set
// navigator.onLine, dispatch `online` on the injected window and time it until `open`.

import { WebSocket } from 'ws';
import { ResilientWebSocket } from '../dist/index.mjs';
import { median, nextEvent, seconds, secondsList, startBackend } from './lib.mjs';

const runs = 10;
const goal = 500;

async function measureOnce(url) {
  const environment = { window: new EventTarget(), document: new EventTarget(), navigator: { onLine: false } };
  const client = new ResilientWebSocket(url, { WebSocket, environment });
  try {
    // The client connects in a microtask after construction, and finds navigator.onLine false.
    if (client.state !== 'offline') await nextEvent(client, 'state', { accept: (state) => state === 'offline' });
    const opened = nextEvent(client, 'open');
    environment.navigator.onLine = true;
    const onlineAt = performance.now();
    environment.window.dispatchEvent(new Event('online'));
    await opened;
    return performance.now() - onlineAt;
  } finally {
    client.close();
  }
}

/** Measures `runs` offline → online → open cycles, one fresh client each; see the file comment. */
export async function run() {
  const backend = await startBackend();
  const times = [];
  try {
    for (let run = 0; run < runs; run++) times.push(await measureOnce(backend.url));
  } finally {
    await backend.kill();
  }
  const middle = median(times);
  return {
    title: 'Back online → open (Node, ws, injected environment)',
    rows: [
      {
        measured: `\`online\` event → open, median of ${runs}`,
        figure: seconds(middle),
        goal: `≤ ${seconds(goal)}`,
        pass: middle <= goal,
      },
      {
        measured: `\`online\` event → open, max of ${runs} (each: ${secondsList(times)} s)`,
        figure: seconds(Math.max(...times)),
        goal: '—',
        pass: null,
      },
    ],
    notes: [
      'On `online` the client waits a random 0–300 ms (so a crowd coming back online spreads out) and then connects; ' +
        'the handshake to 127.0.0.1 adds a few ms.',
    ],
  };
}
