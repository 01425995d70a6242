// Heartbeat detection, in Node: a `ws` server accepts the connection and then stays silent (it
// never answers the app-level ping); we time the last message received (the open) → leaving 'open'.

import { WebSocket } from 'ws';
import { ResilientWebSocket } from '../dist/index.mjs';
import { nextEvent, seconds, secondsList, startBackend } from './lib.mjs';

const runs = 3;
const heartbeat = { interval: 2000, timeout: 2000 };
const goal = 4500;

/** Measures `runs` detections, one fresh client each; see the file comment. */
export async function run() {
  let pings = 0;
  // Silent: incoming pings are counted and never answered (ws answers protocol pings on its own,
  // but the SDK's heartbeat is an app-level text message).
  const backend = await startBackend({ onConnection: (socket) => socket.on('message', () => pings++) });
  const detections = [];
  try {
    for (let run = 0; run < runs; run++) {
      const client = new ResilientWebSocket(backend.url, { WebSocket, heartbeat });
      try {
        await nextEvent(client, 'open');
        const openedAt = performance.now();
        const [state] = await nextEvent(client, 'state', {
          timeout: 20_000,
          accept: (_, previous) => previous === 'open',
        });
        detections.push({ time: performance.now() - openedAt, state, outcome: client.stats.lastOutcome?.type });
      } finally {
        client.close();
      }
    }
  } finally {
    await backend.kill();
  }
  const times = detections.map((detection) => detection.time);
  const max = Math.max(...times);
  return {
    title: 'Heartbeat: silent server detected (Node, ws; interval 2000, timeout 2000)',
    rows: [
      {
        measured: `Last message (open) → client leaves 'open', max of ${runs} (each: ${secondsList(times)} s)`,
        figure: seconds(max),
        goal: `≤ ${seconds(goal)}`,
        pass: max <= goal,
      },
    ],
    notes: [
      `Expected: a ping after 2 s of silence, the deadline 2 s later, so 4.0 s plus timer lateness. The server received ${pings} ping(s) in ${runs} runs.`,
      `Each run left 'open' for '${detections[0].state}' with outcome '${detections[0].outcome}'.`,
    ],
  };
}
