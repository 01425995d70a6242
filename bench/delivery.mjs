// The delivery feature's costs in one place: the bytes its default envelope adds to a message
// (and the ack and resume frames cost), its min+gzip size (esbuild), and the receive-time ratio
// of the SDK with delivery tracking a stream against the native WebSocket, taken from the last
// browser-receive run (bench/results/browser-receive.json).

import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { deliverySize } from './delivery-size.mjs';
import { integer } from './lib.mjs';
import { minified } from './size.mjs';

const gzipped = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** The frames the feature sends for messages 1 to `count`, through a stand-in client. */
async function frames(count, data) {
  const { delivery } = await import('../dist/delivery.mjs');
  const sent = [];
  const host = { state: 'open', now: () => 0, random: Math.random, arm() {}, transmit: (frame) => !!sent.push(frame) };
  const feature = delivery({ ackTimeout: 0, maxMessages: count });
  feature.attach(host);
  for (let index = 0; index < count; index++) feature.deliver(data);
  return sent;
}

export async function run() {
  const data = { type: 'chat', room: 'lobby', text: 'hello' };
  const body = JSON.stringify(data).length;
  const sent = await frames(1000, data);
  const added = new Set(sent.map((frame) => frame.length - body));
  const id = JSON.parse(sent[0]).id;
  const ack = JSON.stringify({ ack: id }).length;
  const resume = JSON.stringify({ resume: { prices: 12345 } }).length;

  const alone = await deliverySize('delivery');
  const withStorage = await deliverySize('delivery, localStorageOutbox');
  // What an app pays in the shipped build: dist/index.mjs bundled with eventemitter3, as size.mjs does.
  const core = gzipped(await minified({ source: "export { ResilientWebSocket } from '../dist/index.mjs';" }));
  const app = gzipped(
    await minified({ source: "export { ResilientWebSocket, delivery, localStorageOutbox } from '../dist/index.mjs';" }),
  );

  const rows = [
    {
      measured:
        'Bytes the default envelope {"id","data"} adds per message (the same for every message: ids are 20 characters)',
      figure: `${[...added].join(' / ')} B`,
      goal: '—',
      pass: null,
    },
    {
      measured: `Ack the server sends per message, {"ack":"<id>"} (id ${id.length} chars)`,
      figure: `${ack} B`,
      goal: '—',
      pass: null,
    },
    {
      measured: 'Resume message, once per reopen: {"resume":{"prices":12345}} (one stream)',
      figure: `${resume} B`,
      goal: '—',
      pass: null,
    },
    {
      measured: '`{ delivery }` alone, min+gz (core and eventemitter3 external)',
      figure: `${integer(alone.gz)} B (${integer(alone.min)} B minified)`,
      goal: '—',
      pass: null,
    },
    {
      measured: '`{ delivery, localStorageOutbox }` alone, min+gz (same)',
      figure: `${integer(withStorage.gz)} B (${integer(withStorage.min)} B minified)`,
      goal: '—',
      pass: null,
    },
    {
      measured:
        'Added to `{ ResilientWebSocket }` by `delivery, localStorageOutbox`, bundled from dist/index.mjs, min+gz',
      figure: `+${integer(app - core)} B (${integer(core)} → ${integer(app)} B)`,
      goal: '—',
      pass: null,
    },
  ];

  // The receive cost is measured in the browsers by browser-receive; its last result is repeated here.
  const receive = new URL('./results/browser-receive.json', import.meta.url);
  const record = existsSync(receive) ? JSON.parse(readFileSync(receive, 'utf8')) : undefined;
  const run = `browser-receive, ${record?.date?.slice(0, 10) ?? 'not run yet'}`;
  const repeated = [
    ['Time ratio SDK with delivery', 'Receive time, SDK with delivery tracking a stream / native, medians'],
    ['Same, median of the ratios', 'Same, median of the ratios of adjacent rounds'],
    ['Ratio that cost implies against the native time per stream frame', 'Ratio its JS cost per frame implies'],
  ];
  for (const [start, measured] of repeated) {
    const row = record?.result?.rows.find((row) => row.measured.startsWith(start));
    rows.push({
      measured: `${measured} (${run})`,
      figure: row?.figure ?? '—',
      goal: row?.goal ?? '≤ 1.05',
      pass: row?.pass ?? null,
    });
  }

  return {
    title: 'Delivery: envelope bytes, size and receive cost',
    rows,
    notes: [
      `The envelope is measured on the frames delivery() sends (dist/delivery.mjs, a stand-in client) for a ${body}-byte ` +
        'message: `{"id":"` + 20 random base-32 characters + `","data":` + the data + `}`.',
      'Sizes: `node bench/delivery-size.mjs` (the feature alone, src/core external, esbuild, gzip -9); the last row bundles ' +
        'dist/index.mjs with eventemitter3 as bench/size.mjs does, with and without the feature.',
      'Receive cost: `node bench/run.mjs browser-receive` (Chromium and Firefox, 15 rounds of 100,000 stream frames per ' +
        'side); its section has every figure and the load of the machine. Whole-path rounds vary by 20–30 % here, so the ratio of their medians cannot resolve 5 %; the stand-in ratio isolates what the hook of the feature adds per frame. This section: `npm run build && node bench/run.mjs delivery`.',
    ],
  };
}
