// Receive path in Chromium and Firefox: how long a page takes to receive 100,000 small text
// messages through the native WebSocket and through ResilientWebSocket (UMD build), alternating,
// 15 rounds each, in each browser in turn. A second pair does the same with stream frames
// ({"stream","seq","data"}): native, and the SDK with the delivery feature tracking the stream.

import { readFile } from 'node:fs/promises';
import { WebSocketServer } from 'ws';
import { installedBrowsers, integer, median, openUninstrumentedPage, sideBySide, startPageServer } from './lib.mjs';

const messages = 100_000;
const warmUpMessages = 20_000;
// Single rounds vary by 10–20 % in either direction on a loaded two-core machine; 15 per side
// keep the medians comparable.
const rounds = 15;
const goal = 1.03;
const deliveryGoal = 1.05;
const dispatches = 1_000_000;
// 20 bytes of text per message.
const payload = 'resilient-ws:payload';
/** The stream frame the sender sends as message `seq` for the delivery variant: 52–57 bytes here. */
const streamFrame = (seq) => JSON.stringify({ stream: 'prices', seq, data: payload });
/** Every kind the page measures, in its warm-up order. */
const kinds = ['native', 'sdk', 'native-stream', 'delivery'];

// The page runs the whole comparison on load and posts the timings to /result.
const page = (url) => `<!doctype html>
<meta charset="utf-8">
<title>receive</title>
<script src="/dist/resilient-ws.umd.min.js"></script>
<script>
  // Opens a socket of the given kind, asks for \`count\` messages and resolves with the ms from the
  // request to the last message. The handlers of both kinds do the same work.
  // 'native' and 'sdk' get the plain payload; 'native-stream' and 'delivery' get stream frames, and
  // 'delivery' is the SDK with the delivery feature, which tracks the stream's seq (resume on).
  // The bytes of stream frames 1 to count: the frame without its seq's digits, plus those digits.
  const streamBytes = (count) => {
    let total = 0;
    for (let seq = 1; seq <= count; seq++) total += ${streamFrame(0).length - 1} + String(seq).length;
    return total;
  };
  const receive = (kind, count) =>
    new Promise((resolve, reject) => {
      const url = ${JSON.stringify(url)};
      const feature = kind === 'delivery' ? ResilientWS.delivery() : undefined;
      const socket = kind.startsWith('native')
        ? new WebSocket(url)
        : new ResilientWS.ResilientWebSocket(url, { features: feature ? [feature] : [] });
      const expected = kind.endsWith('stream') || feature ? streamBytes(count) : count * ${payload.length};
      let received = 0;
      let bytes = 0;
      let started = 0;
      socket.onerror = () => reject(new Error(kind + ': socket error'));
      socket.onmessage = (event) => {
        bytes += event.data.length;
        if (++received < count) return;
        const elapsed = performance.now() - started;
        // The feature saw every seq once, in order: tracking was on for each message.
        const tracked = !feature || (feature.streams.get('prices') === count && !feature.stats.gaps);
        socket.onclose = () =>
          bytes === expected && tracked ? resolve(elapsed) : reject(new Error(kind + ': ' + bytes + ' bytes'));
        socket.close();
      };
      socket.onopen = () => {
        started = performance.now();
        socket.send((kind === 'native-stream' || feature ? 'stream ' : 'send ') + count);
      };
    });

  // ns per message of the JS path alone, with a stand-in socket (no network): calling a bare
  // handler, and the SDK's socket handler that forwards to the app's. Best of 5 for each.
  class StandInSocket {
    constructor() {
      StandInSocket.last = this;
      setTimeout(() => this.onopen(new Event('open')));
    }
    send() {}
    close() {
      setTimeout(() => this.onclose({ code: 1000, reason: '', wasClean: true }));
    }
  }
  // An open client on a stand-in socket, with \`handler\` as its onmessage; and that socket.
  const standIn = async (handler, features = []) => {
    const client = new ResilientWS.ResilientWebSocket('ws://127.0.0.1:9/', { WebSocket: StandInSocket, features });
    await new Promise((resolve) => client.addEventListener('open', resolve, { once: true }));
    client.onmessage = handler;
    return { client, socket: StandInSocket.last };
  };

  const dispatchCost = async (count) => {
    const event = new MessageEvent('message', { data: ${JSON.stringify(payload)} });
    let bytes = 0;
    const handler = (message) => {
      bytes += message.data.length;
    };
    const { client, socket } = await standIn(handler);
    const best = { bare: Infinity, sdk: Infinity };
    for (let round = 0; round < 5; round++) {
      let started = performance.now();
      for (let index = 0; index < count; index++) handler(event);
      best.bare = Math.min(best.bare, ((performance.now() - started) * 1e6) / count);
      started = performance.now();
      for (let index = 0; index < count; index++) socket.onmessage(event);
      best.sdk = Math.min(best.sdk, ((performance.now() - started) * 1e6) / count);
    }
    client.close();
    if (bytes !== 10 * count * ${payload.length}) throw new Error('dispatch: ' + bytes + ' bytes');
    return best;
  };

  // The same with stream frames: a bare handler, the SDK, and the SDK with delivery() tracking the
  // stream. Seqs 1 to 4096 over and over, the feature's positions cleared before each pass (once
  // per 4096 frames, in every loop alike), so that every frame is new to it and reaches the handler.
  const streamDispatchCost = async (count) => {
    const events = Array.from({ length: 4096 }, (_, index) =>
      new MessageEvent('message', { data: JSON.stringify({ stream: 'prices', seq: index + 1, data: ${JSON.stringify(payload)} }) }),
    );
    let received = 0;
    const handler = () => {
      received++;
    };
    const feature = ResilientWS.delivery();
    const plain = await standIn(handler);
    const tracked = await standIn(handler, [feature]);
    const passes = Math.ceil(count / events.length);
    const time = (dispatch) => {
      const started = performance.now();
      for (let pass = 0; pass < passes; pass++) {
        feature.streams.clear();
        for (let index = 0; index < events.length; index++) dispatch(events[index]);
      }
      return ((performance.now() - started) * 1e6) / (passes * events.length);
    };
    const best = { bare: Infinity, sdk: Infinity, delivery: Infinity };
    for (let round = 0; round < 5; round++) {
      best.bare = Math.min(best.bare, time(handler));
      best.sdk = Math.min(best.sdk, time((event) => plain.socket.onmessage(event)));
      best.delivery = Math.min(best.delivery, time((event) => tracked.socket.onmessage(event)));
    }
    plain.client.close();
    tracked.client.close();
    const { duplicates, gaps } = feature.stats;
    if (received !== 15 * passes * events.length || duplicates || gaps) {
      throw new Error('stream dispatch: ' + received + ' received, ' + duplicates + ' duplicates, ' + gaps + ' gaps');
    }
    return best;
  };

  (async () => {
    const kinds = ${JSON.stringify(kinds)};
    const times = Object.fromEntries(kinds.map((kind) => [kind, []]));
    // One unmeasured round of each, so every path is compiled and warm.
    for (const kind of kinds) await receive(kind, ${warmUpMessages});
    for (let round = 0; round < ${rounds}; round++) {
      // Each pair in turn, the order within it flipping every round.
      for (const pair of [['native', 'sdk'], ['native-stream', 'delivery']]) {
        for (const kind of round % 2 ? pair.toReversed() : pair) times[kind].push(await receive(kind, ${messages}));
      }
    }
    return { times, dispatch: await dispatchCost(${dispatches}), streamDispatch: await streamDispatchCost(${dispatches}) };
  })().then(
    (result) => fetch('/result', { method: 'POST', body: JSON.stringify(result) }),
    (error) => fetch('/result', { method: 'POST', body: JSON.stringify({ error: String(error) }) }),
  );
</script>`;

// A ws server that answers "send N" with N text messages, and "stream N" with stream frames 1 to N,
// sent as fast as it can.
async function startSender() {
  const loopTimes = [];
  const frames = Array.from({ length: messages }, (_, index) => streamFrame(index + 1));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const [request, count] = String(data).split(' ');
      if (request === 'stream') {
        for (let index = 0; index < Number(count); index++) socket.send(frames[index]);
        return;
      }
      const started = performance.now();
      for (let index = 0; index < count; index++) socket.send(payload);
      if (Number(count) === messages) loopTimes.push(performance.now() - started);
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${wss.address().port}/`,
    loopTimes,
    close: () => new Promise((resolve) => wss.close(resolve)),
  };
}

/**
 * Opens the page in `browser` without per-frame reporting to the driver: in Chromium through raw
 * CDP (a Playwright page reports every WebSocket frame over CDP); Firefox is driven over WebDriver
 * BiDi, which has no WebSocket frame events, so a plain page is already uninstrumented.
 */
async function openPage(name, browser, url) {
  if (name === 'Chromium') return openUninstrumentedPage(browser, url);
  const tab = await browser.newPage();
  await tab.goto(url);
  return tab;
}

/** Runs the comparison in one browser; resolves with its rows and what the notes need. */
async function compare(name, launch) {
  const umd = await readFile(new URL('../dist/resilient-ws.umd.min.js', import.meta.url));
  const sender = await startSender();
  const pages = await startPageServer({ '/': page(sender.url) }, umd);
  const browser = await launch();
  let result;
  try {
    const tab = await openPage(name, browser, `${pages.origin}/`);
    // Up to 15 × 4 rounds of 100,000 messages: minutes on a loaded machine.
    result = JSON.parse(await pages.nextPost('/result', 1_200_000));
    await tab.close();
  } finally {
    await browser.close();
    await sender.close();
    await pages.close();
  }
  if (result.error) throw new Error(`in the page: ${result.error}`);
  const { times, dispatch, streamDispatch } = result;
  const native = median(times.native);
  const sdk = median(times.sdk);
  const ratio = sdk / native;
  const nativeStream = median(times['native-stream']);
  const tracked = median(times.delivery);
  const deliveryRatio = tracked / nativeStream;
  // Each delivery round against the native round next to it: the machine's load drifts less within a pair.
  const pairRatio = median(times.delivery.map((time, index) => time / times['native-stream'][index]));
  const hook = streamDispatch.delivery - streamDispatch.bare;
  const perStreamMessage = (nativeStream * 1e6) / messages;
  const list = (values) => values.map((ms) => ms.toFixed(0)).join(', ');
  // How far single rounds stray: the coefficient of variation of the native rounds.
  const mean = times.native.reduce((sum, time) => sum + time, 0) / rounds;
  const spread = Math.sqrt(times.native.reduce((sum, time) => sum + (time - mean) ** 2, 0) / (rounds - 1)) / mean;
  const overhead = dispatch.sdk - dispatch.bare;
  const perMessage = (native * 1e6) / messages;
  return {
    spread,
    loop: median(sender.loopTimes),
    rounds:
      `native ${list(times.native)} ms; SDK ${list(times.sdk)} ms; native, stream frames ` +
      `${list(times['native-stream'])} ms; SDK with delivery ${list(times.delivery)} ms`,
    rows: [
      {
        measured: `Native WebSocket: request → last message, median of ${rounds}`,
        figure: `${native.toFixed(0)} ms`,
        goal: '—',
        pass: null,
      },
      {
        measured: `ResilientWebSocket (UMD, defaults): same, median of ${rounds}`,
        figure: `${sdk.toFixed(0)} ms`,
        goal: '—',
        pass: null,
      },
      {
        measured: 'Time ratio SDK / native (medians)',
        figure: ratio.toFixed(3),
        goal: `≤ ${goal}`,
        pass: ratio <= goal,
      },
      {
        measured: `SDK's added JS cost per message: its socket handler vs a bare handler, stand-in socket, best of 5 × ${integer(
          dispatches,
        )} calls`,
        figure: `${overhead.toFixed(0)} ns (${dispatch.sdk.toFixed(0)} vs ${dispatch.bare.toFixed(0)} ns)`,
        goal: '—',
        pass: null,
      },
      {
        measured: 'Ratio that cost implies against the native time per message',
        figure: `${(1 + overhead / perMessage).toFixed(4)} (native ${(perMessage / 1000).toFixed(1)} µs per message)`,
        goal: `≤ ${goal}`,
        pass: 1 + overhead / perMessage <= goal,
      },
      {
        measured: `Stream frames (${streamFrame(1).length}–${streamFrame(messages).length} B, {"stream","seq","data"}): native, median of ${rounds}`,
        figure: `${nativeStream.toFixed(0)} ms`,
        goal: '—',
        pass: null,
      },
      {
        measured: `Same frames, ResilientWebSocket with delivery() tracking the stream (resume on): median of ${rounds}`,
        figure: `${tracked.toFixed(0)} ms`,
        goal: '—',
        pass: null,
      },
      {
        measured: 'Time ratio SDK with delivery / native, stream frames (medians)',
        figure: deliveryRatio.toFixed(3),
        goal: `≤ ${deliveryGoal}`,
        pass: deliveryRatio <= deliveryGoal,
      },
      {
        measured: 'Same, median of the ratios of adjacent rounds (delivery / native)',
        figure: pairRatio.toFixed(3),
        goal: `≤ ${deliveryGoal}`,
        pass: pairRatio <= deliveryGoal,
      },
      {
        measured: `Added JS cost per stream frame: SDK with delivery vs SDK vs bare handler, stand-in socket, best of 5 × ${integer(
          dispatches,
        )} calls`,
        figure: `${hook.toFixed(0)} ns (${streamDispatch.delivery.toFixed(0)} vs ${streamDispatch.sdk.toFixed(
          0,
        )} vs ${streamDispatch.bare.toFixed(0)} ns)`,
        goal: '—',
        pass: null,
      },
      {
        measured: 'Ratio that cost implies against the native time per stream frame (SDK with delivery / native)',
        figure: `${(1 + hook / perStreamMessage).toFixed(4)} (native ${(perStreamMessage / 1000).toFixed(1)} µs per frame)`,
        goal: `≤ ${deliveryGoal}`,
        pass: 1 + hook / perStreamMessage <= deliveryGoal,
      },
    ],
  };
}

/** Runs the comparison in each installed browser; see the file comment. */
export async function run() {
  const browsers = installedBrowsers();
  const results = [];
  // One browser at a time, each with its own sender: the machine has two cores.
  for (const browser of browsers) results.push(await compare(browser.name, browser.launch));
  const names = browsers.map((browser) => browser.name);
  const each = (describe) => results.map((result, index) => `${names[index]} ${describe(result)}`).join(', ');
  return {
    title: `Receive path in ${names.join(' and ')} (${messages.toLocaleString('en-US')} text messages of ${payload.length} B)`,
    browsers: names,
    rows: sideBySide(
      names,
      results.map((result) => result.rows),
    ),
    notes: [
      `Rounds alternate native/SDK, then native/SDK with delivery on stream frames, the order within each pair flipping ` +
        `every round, after one unmeasured ${warmUpMessages.toLocaleString('en-US')}-message round of each kind; every ` +
        'handler adds up event.data.length. With delivery, each client checks after its round that the feature tracked ' +
        'every seq (last seq = messages received, no gap); no frame is a duplicate, so every one reaches the handler.',
      'In Chromium the page is opened through raw CDP in a browser context Playwright does not instrument: a ' +
        'Playwright page reports every WebSocket frame to the driver, which roughly doubles the time per message and ' +
        'adds noise. Firefox is driven over WebDriver BiDi, which has no WebSocket frame events, so there it is a plain page.',
      ...results.map((result, index) => `${names[index]}, each round: ${result.rounds}.`),
      `The server's send loop took a median ${each((result) => `${result.loop.toFixed(0)} ms`)} per round.`,
      `Single rounds vary on this machine (coefficient of variation of the native rounds: ${each(
        (result) => `${(result.spread * 100).toFixed(0)} %`,
      )}), so a ratio of two medians cannot reliably resolve a 3 % difference either way. The stand-in measurement ` +
        'isolates what the SDK adds per message.',
    ],
  };
}
