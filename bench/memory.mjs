// Memory, in Node: heap per idle client, heap growth over 10,000 reconnect cycles, and whether
// close() leaves timers behind. run() starts this file as `node --expose-gc bench/memory.mjs`,
// which prints its figures as JSON; the `ws` server runs in a worker thread, outside the heap measured.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { WebSocket, WebSocketServer } from 'ws';
import { ResilientWebSocket } from '../dist/index.mjs';
import { integer } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const idleClients = 1000;
const cycles = 10_000;
const baselineCycles = 100;
// By then the JIT has compiled the hot paths; growth after it is what a long-lived client pays.
const warmCycles = 2000;

// In the worker: a server that closes every connection at once with 1012 (service restart).
function serveRestarts() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => socket.close(1012, 'restart'));
  wss.on('listening', () => parentPort.postMessage(wss.address().port));
  parentPort.on('message', () => wss.close(() => process.exit(0)));
}

// Heap used after full collections, and the part of it that is compiled code.
function heapAfterGc() {
  for (let pass = 0; pass < 3; pass++) globalThis.gc();
  const code = getHeapSpaceStatistics().find((space) => space.space_name === 'code_space')?.space_used_size ?? 0;
  return { used: process.memoryUsage().heapUsed, code };
}

// Active resources by type, e.g. { Timeout: 1, TCPSocketWrap: 2 }.
function resources() {
  const counts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

const settle = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

// Runs in the child process; returns the figures.
async function measure() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

  // Heap per idle (lazy) instance: nothing connects, nothing is watched.
  const emptyHeap = heapAfterGc().used;
  const clients = [];
  for (let index = 0; index < idleClients; index++) {
    clients.push(new ResilientWebSocket('ws://127.0.0.1:9/ws', { WebSocket, lazy: true }));
  }
  const perInstance = (heapAfterGc().used - emptyHeap) / idleClients;
  for (const client of clients) client.close();
  clients.length = 0;

  const worker = new Worker(self);
  const port = await new Promise((resolve) => worker.once('message', resolve));
  await settle();
  const before = resources();

  const options = { WebSocket, initialDelay: 0, maxDelay: 0, minUptime: 0 };
  const client = new ResilientWebSocket(`ws://127.0.0.1:${port}/`, options);
  let opens = 0;
  let longestDelay = 0;
  let baseline;
  let warm;
  let end;
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${opens} opens in 120 s`)), 120_000);
    client.on('reconnecting', ({ delay }) => {
      longestDelay = Math.max(longestDelay, delay);
    });
    client.on('failed', reject);
    client.on('open', () => {
      opens++;
      if (opens === baselineCycles) baseline = heapAfterGc();
      if (opens === warmCycles) warm = heapAfterGc();
      if (opens === cycles) {
        end = heapAfterGc();
        client.close();
      }
    });
    client.on('state', (state) => {
      if (state !== 'closed') return;
      clearTimeout(timer);
      resolve();
    });
  });
  const elapsed = performance.now() - started;
  await settle();
  const after = resources();
  worker.postMessage('stop');
  await new Promise((resolve) => worker.once('exit', resolve));
  return {
    perInstance,
    growth: end.used - baseline.used,
    codeGrowth: end.code - baseline.code,
    warmGrowth: end.used - warm.used,
    opens,
    elapsed,
    longestDelay,
    stats: client.stats,
    before,
    after,
  };
}

/** Runs this file in a child process with --expose-gc and reports its figures. */
export async function run() {
  const child = spawn(process.execPath, ['--expose-gc', self], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`node --expose-gc bench/memory.mjs exited with ${code}`);
  const result = JSON.parse(output);
  const added = (type) => (result.after[type] ?? 0) - (result.before[type] ?? 0);
  const leftTimers = added('Timeout');
  const leftAll = Object.keys(result.after).reduce((sum, type) => sum + Math.max(0, added(type)), 0);
  const list = (counts) =>
    Object.entries(counts)
      .map(([type, count]) => `${type} ×${count}`)
      .join(', ') || 'none';
  return {
    title: 'Memory (Node, --expose-gc)',
    rows: [
      {
        measured: `Heap per idle client (${integer(idleClients)} clients with lazy: true)`,
        figure: `${integer(result.perInstance)} B`,
        goal: '—',
        pass: null,
      },
      {
        measured: `Heap growth from cycle ${baselineCycles} to cycle ${integer(result.opens)} (server closes each socket with 1012)`,
        figure: `${(result.growth / 1024).toFixed(1)} KB (${(result.codeGrowth / 1024).toFixed(1)} KB of it compiled code)`,
        goal: '—',
        pass: null,
      },
      {
        measured: `Heap growth from cycle ${integer(warmCycles)} to cycle ${integer(result.opens)}, after JIT warm-up`,
        figure: `${(result.warmGrowth / 1024).toFixed(1)} KB (${(result.warmGrowth / (result.opens - warmCycles)).toFixed(1)} B per cycle)`,
        goal: '—',
        pass: null,
      },
      {
        measured: 'Left pending after close(): timers, and active resources of any kind (after − before)',
        figure: `${leftTimers} timers, ${leftAll} resources`,
        goal: '0',
        pass: leftTimers === 0 && leftAll === 0,
      },
    ],
    notes: [
      `initialDelay 0, maxDelay 0, minUptime 0 are accepted; the longest backoff delay seen was ${result.longestDelay} ms; ` +
        `${integer(result.opens)} cycles took ${(result.elapsed / 1000).toFixed(1)} s ` +
        `(stats: ${result.stats.attempts} attempts, ${result.stats.reconnects} reconnects).`,
      `Active resources before the client: ${list(result.before)}; after close(): ${list(result.after)}.`,
      'Heap is measured after three forced collections; the server runs in a worker thread, whose heap is separate. ' +
        'Most growth from cycle 100 is warm-up (optimised code, type feedback) that levels off within a few thousand ' +
        'cycles; a flat or noisy figure after warm-up means no per-cycle leak.',
    ],
  };
}

if (!isMainThread) serveRestarts();
else if (process.argv[1] === self) {
  measure().then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
