// Chat example: a ResilientWebSocket (UMD build, global `ResilientWS`) speaking the demo server's chat
// protocol, with a connection badge, messages kept while offline, and the demo's control API.

(() => {
  const { ResilientWebSocket, discover } = window.ResilientWS;

  const $ = (selector) => document.querySelector(selector);
  const ui = {
    state: $('#state'),
    mode: $('#mode'),
    attempt: $('#attempt'),
    nextRetry: $('#next-retry'),
    endpoint: $('#endpoint'),
    resolved: $('#resolved'),
    clientBackend: $('#client-backend'),
    rtt: $('#rtt'),
    counters: $('#counters'),
    lastError: $('#last-error'),
    lastErrorStatus: $('#last-error-status'),
    reconnect: $('#reconnect'),
    joinForm: $('#join-form'),
    roomInput: $('#room-input'),
    rooms: $('#rooms'),
    room: $('#room'),
    messages: $('#messages'),
    sendForm: $('#send-form'),
    messageInput: $('#message-input'),
    target: $('#target-backend'),
    silence: $('#silence'),
    switchButton: $('#switch'),
    controlResult: $('#control-result'),
    serverTarget: $('#server-target'),
    log: $('#log'),
  };

  // The heartbeat: the demo server answers {"type":"ping","id":N} with {"type":"pong","id":N}.
  const heartbeat = {
    interval: 5000,
    timeout: 3000,
    message: JSON.stringify({ type: 'ping', id: 0 }),
    isPong: (event) => parse(event.data)?.type === 'pong',
  };

  // Each page load is one chat participant; message ids are `<session>-<n>`, unique per message.
  const session = Math.random().toString(36).slice(2, 8);
  let messageCount = 0;

  let ws = null;
  let clientSerial = 0; // one per ResilientWebSocket created (the mode can change)
  let openSerial = 0; // one per connection that opened, across clients
  let retryAt = 0;
  let retryNumber = 0;
  let serverStatus = null; // the last answer of GET /status or POST /control
  let currentRoom = 'lobby';
  const joinedRooms = new Set([currentRoom]);
  const unread = new Map();
  const messages = []; // { id, room, text, mine, phase, sentOn, queuedIn, node }
  const byId = new Map();

  function parse(data) {
    if (typeof data !== 'string') return undefined;
    try {
      return JSON.parse(data);
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The connection.

  function backendUrl(name) {
    const known = serverStatus?.backends?.[name]?.url;
    if (known) return known;
    // Before /status answered: `npm start` puts backend a on the page's port + 1, b on + 2.
    return `ws://${location.hostname}:${Number(location.port) + (name === 'a' ? 1 : 2)}/ws`;
  }

  function createClient(mode) {
    const options = { heartbeat };
    if (mode === 'discovery') return new ResilientWebSocket(discover('/discovery'), options);
    // The native handshake fails on the 302; the preflight GET follows it to the backend's http twin.
    if (mode === 'redirect') return new ResilientWebSocket('/redirect/302/ws', options);
    return new ResilientWebSocket(backendUrl('a'), options);
  }

  function start(mode) {
    if (ws) {
      // Listeners off first: the old client's queued messages are re-sent by the new one, not dropped.
      ws.removeAllListeners();
      ws.close(1000, 'mode change');
    }
    const client = createClient(mode);
    const serial = ++clientSerial;
    ws = client;
    retryAt = 0;
    // A new client starts with a clean panel.
    for (const field of [ui.attempt, ui.endpoint, ui.resolved, ui.clientBackend]) field.textContent = '–';
    for (const key of Object.keys(ui.resolved.dataset)) delete ui.resolved.dataset[key];
    lastBackend = undefined;
    showError('none', undefined);
    log(`new client: ${ui.mode.selectedOptions[0].textContent}`);

    client.on('state', (state, previous) => {
      ui.state.textContent = state;
      ui.state.dataset.state = state;
      if (state !== 'waiting') retryAt = 0;
      log(`state ${previous} → ${state}`);
      showStats();
      updateCountdown();
    });
    client.on('resolving', ({ attempt, via, url }) => {
      showAttempt(attempt);
      log(`resolving via ${via}, attempt ${attempt}: ${url}`);
    });
    client.on('resolved', (info) => {
      ui.endpoint.textContent = info.url;
      const parts = [info.via];
      if (info.redirected) parts.push('redirected');
      if (info.status !== undefined) parts.push(`HTTP ${info.status}`);
      if (info.cached) parts.push('cached');
      if (info.maxAge !== undefined) parts.push(`max-age ${info.maxAge} s`);
      ui.resolved.textContent = parts.join(', ');
      ui.resolved.dataset.via = info.via;
      ui.resolved.dataset.redirected = String(info.redirected);
      ui.resolved.dataset.status = info.status ?? '';
      ui.resolved.dataset.cached = String(info.cached);
      log(`resolved ${parts.join(', ')} → ${info.url}`);
      showBackend();
    });
    client.on('connecting', ({ attempt, url }) => {
      showAttempt(attempt);
      log(`connecting, attempt ${attempt}: ${url}`);
    });
    client.on('open', () => {
      openSerial++;
      log('open');
      // The SDK emits `open` before it flushes its queue, so these go out first: joins, then
      // messages that went out on a connection that died before they came back.
      for (const room of joinedRooms) client.send(JSON.stringify({ type: 'join', room }));
      resendUnconfirmed(client, serial);
      // What is still queued in this client leaves right after the open listeners return.
      queueMicrotask(() => {
        for (const message of messages) {
          if (message.phase === 'queued' && message.queuedIn === serial && client.state === 'open') {
            setPhase(message, 'sent');
            message.sentOn = openSerial;
          }
        }
      });
    });
    client.on('message', (event) => receive(parse(event.data), event.data));
    client.on('close', (event) => log(`close ${event.code}${event.reason ? ` (${event.reason})` : ''}`));
    client.on('reconnecting', ({ attempt, delay, reason }) => {
      retryAt = Date.now() + delay;
      retryNumber = attempt;
      showError(describeOutcome(reason), reason.type === 'http' ? reason.status : undefined);
      log(`reconnecting: retry ${attempt} in ${(delay / 1000).toFixed(1)} s after ${describeOutcome(reason)}`);
      updateCountdown();
    });
    client.on('failed', (error) => {
      showError(error.message, error.status);
      log(`failed: ${error.message}`);
    });
    client.on('drop', ({ data, reason }) => {
      const message = byId.get(parse(data)?.id);
      if (message) setPhase(message, 'dropped');
      log(`dropped a message (${reason})`);
    });
  }

  function resendUnconfirmed(client, serial) {
    for (const message of messages) {
      if (!message.mine) continue;
      const lostInFlight = (message.phase === 'sent' || message.phase === 'resent') && message.sentOn < openSerial;
      const leftInOldClient = message.phase === 'queued' && message.queuedIn !== serial;
      if (!lostInFlight && !leftInOldClient) continue;
      // A message handed to a socket that then died may never have reached the server: the SDK
      // cannot know, so the app sends it again and ignores a second broadcast of the same id.
      client.send(JSON.stringify({ type: 'chat', room: message.room, text: message.text, id: message.id }));
      setPhase(message, 'resent');
      message.sentOn = openSerial;
    }
  }

  function describeOutcome(outcome) {
    switch (outcome.type) {
      case 'close':
        return `closed ${outcome.code}${outcome.reason ? ` (${outcome.reason})` : ''}${outcome.opened ? '' : ' during the handshake'}`;
      case 'http': {
        const wait = outcome.retryAfter === undefined ? '' : `, Retry-After ${Math.round(outcome.retryAfter / 1000)} s`;
        return `HTTP ${outcome.status} from ${outcome.url}${wait}`;
      }
      case 'resolve':
        return outcome.error.message;
      case 'timeout':
        return 'the handshake timed out';
      case 'heartbeat':
        return 'no pong before the heartbeat deadline';
      default:
        return `the WebSocket constructor threw ${outcome.error}`;
    }
  }

  function showAttempt(attempt) {
    ui.attempt.textContent = String(attempt);
    ui.attempt.dataset.attempt = String(attempt);
  }

  function showError(text, status) {
    ui.lastError.textContent = text;
    ui.lastErrorStatus.hidden = status === undefined;
    ui.lastErrorStatus.textContent = status === undefined ? '' : `HTTP ${status}`;
    ui.lastErrorStatus.dataset.status = status ?? '';
  }

  function updateCountdown() {
    const left = retryAt - Date.now();
    if (ws?.state === 'waiting' && retryAt && left > 0) {
      ui.nextRetry.textContent = `retry ${retryNumber} in ${(left / 1000).toFixed(1)} s`;
    } else if (ws?.state === 'waiting' && retryAt) {
      ui.nextRetry.textContent = `retry ${retryNumber} now`;
    } else {
      ui.nextRetry.textContent = '–';
    }
  }

  function showStats() {
    if (!ws) return;
    const { attempts, reconnects, rtt } = ws.stats;
    ui.rtt.textContent = rtt === undefined ? '– (no pong yet)' : `${rtt} ms`;
    ui.rtt.dataset.rtt = rtt ?? '';
    ui.counters.textContent = `${attempts} handshakes, ${reconnects} reconnects`;
  }

  ui.reconnect.addEventListener('click', () => {
    if (!ws) return;
    // After `failed` or `close()` only connect() starts over; reconnect() also cuts a wait short.
    if (ws.state === 'failed' || ws.state === 'closed') ws.connect();
    else ws.reconnect();
  });

  ui.mode.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('mode', ui.mode.value);
    history.replaceState(null, '', url);
    start(ui.mode.value);
  });

  // ---------------------------------------------------------------------------------------------
  // Chat.

  function receive(message, raw) {
    if (message?.type === 'chat') {
      const known = byId.get(message.id);
      if (known) {
        // Our own message came back (again, after a resend): it is delivered.
        if (known.phase !== 'delivered') {
          known.backend = message.backend;
          setPhase(known, 'delivered');
        }
        return;
      }
      addMessage({ id: message.id, room: message.room, text: message.text, mine: false, backend: message.backend });
      if (message.room !== currentRoom) {
        unread.set(message.room, (unread.get(message.room) ?? 0) + 1);
        renderRooms();
      }
    } else if (message?.type === 'error') {
      log(`server error: ${message.error}`);
    } else {
      log(`unexpected message: ${String(raw).slice(0, 80)}`);
    }
  }

  function addMessage(message) {
    message.phase ??= message.mine ? 'queued' : 'received';
    message.time = new Date();
    const node = document.createElement('li');
    node.dataset.id = message.id;
    const meta = document.createElement('span');
    meta.className = 'meta';
    const author = message.mine ? 'you' : `guest ${String(message.id).split('-')[0]}`;
    meta.textContent = `${author} · ${message.time.toLocaleTimeString()}`;
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = message.text;
    const status = document.createElement('span');
    status.className = 'message-status';
    node.append(meta, text, status);
    message.node = node;
    messages.push(message);
    if (message.id !== undefined) byId.set(message.id, message);
    setPhase(message, message.phase);
    if (message.room === currentRoom) appendVisible(node);
    return message;
  }

  const phaseLabels = {
    queued: 'pending: queued while offline',
    sent: 'pending: sent',
    resent: 'pending: sent again after a reconnect',
    delivered: 'delivered',
    dropped: 'not sent (dropped)',
    received: '',
  };

  function setPhase(message, phase) {
    message.phase = phase;
    const kind = phase === 'queued' || phase === 'sent' || phase === 'resent' ? 'pending' : phase;
    message.node.className = `message ${message.mine ? 'mine' : 'theirs'} ${kind}`;
    message.node.dataset.phase = phase;
    const via = phase === 'delivered' || phase === 'received' ? ` via ${message.backend}` : '';
    message.node.querySelector('.message-status').textContent = `${phaseLabels[phase]}${via}`.trim();
  }

  function appendVisible(node) {
    const list = ui.messages;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(node);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function showRoom(room) {
    currentRoom = room;
    unread.delete(room);
    ui.room.textContent = room;
    ui.messages.replaceChildren(...messages.filter((m) => m.room === room).map((m) => m.node));
    ui.messages.scrollTop = ui.messages.scrollHeight;
    renderRooms();
  }

  function renderRooms() {
    const tabs = [...joinedRooms].map((room) => {
      const tab = document.createElement('button');
      tab.type = 'button';
      tab.className = 'room-tab';
      tab.dataset.room = room;
      if (room === currentRoom) tab.setAttribute('aria-current', 'true');
      const count = unread.get(room);
      tab.textContent = count ? `${room} (${count})` : room;
      tab.addEventListener('click', () => showRoom(room));
      return tab;
    });
    ui.rooms.replaceChildren(...tabs);
  }

  ui.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = ui.roomInput.value.trim().slice(0, 64);
    if (!room) return;
    if (!joinedRooms.has(room)) {
      joinedRooms.add(room);
      // Queued like any message while offline; and every `open` joins all rooms again anyway.
      ws?.send(JSON.stringify({ type: 'join', room }));
      log(`joined ${room}`);
    }
    showRoom(room);
  });

  ui.sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.messageInput.value.trim();
    if (!text || !ws) return;
    const id = `${session}-${++messageCount}`;
    const message = addMessage({ id, room: currentRoom, text, mine: true });
    const result = ws.send(JSON.stringify({ type: 'chat', room: currentRoom, text, id }));
    if (result === 'sent') {
      message.sentOn = openSerial;
      setPhase(message, 'sent');
    } else if (result === 'dropped') {
      setPhase(message, 'dropped');
    } else {
      message.queuedIn = clientSerial;
      setPhase(message, 'queued');
    }
    ui.messageInput.value = '';
    ui.messages.scrollTop = ui.messages.scrollHeight;
  });

  // ---------------------------------------------------------------------------------------------
  // The demo server's control API.

  function clientBackend() {
    if (!serverStatus || !ws?.url) return undefined;
    const port = new URL(ws.url).port;
    return Object.keys(serverStatus.backends).find((name) => String(serverStatus.backends[name].port) === port);
  }

  let lastBackend;
  function showBackend() {
    lastBackend = clientBackend() ?? lastBackend;
    ui.clientBackend.textContent = lastBackend ? `backend ${lastBackend}` : '– (not resolved yet)';
    ui.clientBackend.dataset.backend = lastBackend ?? '';
  }

  // The backend the buttons act on: the chosen one, or the one the client is (or was last) on.
  function targetBackend() {
    if (ui.target.value !== 'auto') return ui.target.value;
    return clientBackend() ?? lastBackend ?? serverStatus?.target ?? 'a';
  }

  async function control(body) {
    const response = await fetch('/control', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
    showServerStatus(answer);
    return answer;
  }

  const actions = {
    kill: () => [{ action: 'kill', backend: targetBackend() }],
    restart: () => {
      // On the client's backend, bring back every killed backend (the client may have moved on).
      const dead = serverStatus
        ? Object.keys(serverStatus.backends).filter((n) => !serverStatus.backends[n].alive)
        : [];
      const names = ui.target.value === 'auto' && dead.length ? dead : [targetBackend()];
      return names.map((backend) => ({ action: 'restart', backend }));
    },
    silence: () => {
      const backend = targetBackend();
      return [{ action: 'silence', backend, on: !serverStatus?.backends?.[backend]?.silenced }];
    },
    'close-1012': () => [{ action: 'closeAll', backend: targetBackend(), code: 1012, reason: 'service restart' }],
    'status-403': () => [{ action: 'setStatus', backend: targetBackend(), status: 403 }],
    'status-503': () => [{ action: 'setStatus', backend: targetBackend(), status: 503, retryAfter: 3 }],
    'clear-status': () => [{ action: 'setStatus', backend: targetBackend(), status: null }],
    switch: () => [{ action: 'switch', backend: serverStatus?.current === 'b' ? 'a' : 'b' }],
    reset: () => [{ action: 'reset' }],
  };

  for (const [id, bodies] of Object.entries(actions)) {
    $(`#${id}`).addEventListener('click', async () => {
      const list = bodies();
      const said = list.map((b) => `${b.action}${b.backend ? ` ${b.backend}` : ''}`).join(', ');
      try {
        for (const body of list) await control(body);
        ui.controlResult.textContent = `✓ ${said}`;
        ui.controlResult.dataset.ok = 'true';
        log(`control: ${said}`);
      } catch (error) {
        ui.controlResult.textContent = `✗ ${said}: ${error.message}`;
        ui.controlResult.dataset.ok = 'false';
      }
    });
  }

  function showServerStatus(status) {
    serverStatus = status;
    for (const [name, backend] of Object.entries(status.backends)) {
      const row = $(`#backend-${name}`);
      if (!row) continue;
      row.dataset.alive = String(backend.alive);
      row.querySelector('.alive').textContent = backend.alive ? 'yes' : 'killed';
      row.querySelector('.silenced').textContent = backend.silenced ? 'yes' : 'no';
      row.querySelector('.http').textContent =
        backend.status === null
          ? '–'
          : `${backend.status}${backend.retryAfter === null ? '' : ` (${backend.retryAfter} s)`}`;
      row.querySelector('.clients').textContent = String(backend.clients);
    }
    ui.serverTarget.textContent = status.target ? `backend ${status.target}` : 'nothing (both down)';
    ui.switchButton.textContent = `Switch to ${status.current === 'b' ? 'a' : 'b'}`;
    const silenced = !!status.backends[targetBackend()]?.silenced;
    ui.silence.textContent = silenced ? 'Unsilence' : 'Silence';
    ui.silence.setAttribute('aria-pressed', String(silenced));
    showBackend();
  }

  async function pollStatus() {
    try {
      const response = await fetch('/status', { cache: 'no-store' });
      showServerStatus(await response.json());
    } catch {
      ui.serverTarget.textContent = 'unknown (the demo server does not answer)';
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Event log and start-up.

  function log(text) {
    const item = document.createElement('li');
    const time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString();
    item.append(time, ` ${text}`);
    ui.log.prepend(item);
    while (ui.log.childElementCount > 80) ui.log.lastElementChild.remove();
  }

  ui.target.addEventListener('change', () => serverStatus && showServerStatus(serverStatus));

  async function main() {
    const mode = new URLSearchParams(location.search).get('mode');
    if (mode && [...ui.mode.options].some((option) => option.value === mode)) ui.mode.value = mode;
    renderRooms();
    await pollStatus();
    start(ui.mode.value);
    setInterval(updateCountdown, 100);
    setInterval(showStats, 500);
    setInterval(pollStatus, 1000);
  }

  // For poking around in the console: `demo.ws.stats`.
  window.demo = {
    get ws() {
      return ws;
    },
    messages,
  };

  main();
})();
