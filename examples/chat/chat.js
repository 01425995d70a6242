// Chat example: the demo server's chat rooms over a ResilientWebSocket (UMD build, global `ResilientWS`) with the
// delivery feature. Each message waits in an outbox kept in localStorage until the server acknowledges it, so what is
// typed offline survives a reload; its ticks follow the feature's `state` events (queued → sent → acked). The page has
// no resend logic of its own. Rooms are the server's streams "room:<name>", subscribed again after every reconnect.
// ../shared/panel.js (global `DemoPanel`) creates the client and shows the connection badge, facts, controls and log.

(() => {
  const { createPanel, parse } = window.DemoPanel;
  const { delivery, localStorageOutbox } = window.ResilientWS;

  const $ = (selector) => document.querySelector(selector);
  const ui = {
    joinForm: $('#join-form'),
    roomInput: $('#room-input'),
    rooms: $('#rooms'),
    room: $('#room'),
    messages: $('#messages'),
    sendForm: $('#send-form'),
    messageInput: $('#message-input'),
  };

  // The heartbeat: the demo server answers {"type":"ping","id":N} with {"type":"pong","id":N}.
  const heartbeat = {
    interval: 5000,
    timeout: 3000,
    message: JSON.stringify({ type: 'ping', id: 0 }),
    isPong: (event) => parse(event.data)?.type === 'pong',
  };

  // One outbox per tab, kept across its reloads: its name lives in sessionStorage (per tab), the outbox in
  // localStorage. Tabs sharing an outbox would overwrite each other's (a duplicated tab copies sessionStorage,
  // and so the name: its messages still get ids of their own, but a reload finds the last writer's outbox).
  const tab = sessionStorage.getItem('chat.tab') ?? Math.random().toString(36).slice(2, 10);
  sessionStorage.setItem('chat.tab', tab);
  const outboxName = `chat.outbox.${tab}`;

  let currentRoom = 'lobby';
  const joinedRooms = new Set([currentRoom]);
  const unread = new Map();
  const messages = []; // { id, room, text, author, mine, phase, reason, backend, node }
  const byId = new Map();
  let chat = null; // the current client's delivery()
  let retire = () => {};

  const subscription = (room) => JSON.stringify({ subscribe: `room:${room}` });

  // ---------------------------------------------------------------------------------------------
  // Delivery: one delivery() per client (the panel makes a new client when the mode changes).

  function makeFeatures() {
    // The client going away would drop what is pending and save an empty outbox as it closes: its delivery() stops
    // saving and is no longer heard, and the new one loads the outbox and sends it again, under the same ids.
    retire();
    const store = localStorageOutbox(outboxName);
    let saving = true;
    const feature = delivery({ storage: { load: () => store.load(), save: (outbox) => saving && store.save(outbox) } });
    retire = () => {
      saving = false;
      feature.removeAllListeners();
    };
    chat = feature;
    // What this tab typed before a reload and the server has not acknowledged yet: shown in its room. (After a
    // change of mode these are on the page already.)
    let restored;
    for (const { id, data, state } of feature.pending) {
      if (byId.has(id) || data?.type !== 'chat') continue;
      joinRoom(data.room);
      addMessage({ id, room: data.room, text: data.text, mine: true, phase: state });
      restored = data.room;
    }
    if (restored) showRoom(restored);
    feature.on('state', (id, state, error) => {
      // `queued` comes from inside deliver(): the message is the last one pending.
      if (state === 'queued') {
        const { data } = feature.pending.at(-1);
        addMessage({ id, room: data.room, text: data.text, mine: true, phase: state });
      } else if (byId.has(id)) {
        setPhase(byId.get(id), state, error?.reason);
        if (error) log(`not delivered (${error.reason}): ${byId.get(id).text.slice(0, 40)}`);
      }
    });
    // The server no longer held some messages of a room: say so rather than pretend the history is whole.
    feature.on('gap', ({ stream, from, to }) => log(`${stream}: messages ${from}–${to} were missed`));
    for (const room of joinedRooms) feature.subscribe(room, subscription(room));
    return [feature];
  }

  function onClient(client) {
    client.on('message', (event) => {
      const frame = parse(event.data);
      if (typeof frame?.stream === 'string' && frame.stream.startsWith('room:')) {
        receive(frame.stream.slice('room:'.length), frame.data);
      } else if (frame?.type === 'error') {
        log(`server error: ${frame.error}`);
      } else {
        log(`unexpected message: ${String(event.data).slice(0, 80)}`);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Chat.

  function receive(room, { id, text, author, backend } = {}) {
    if (typeof id !== 'string' || typeof text !== 'string') return;
    const known = byId.get(id);
    if (known) {
      // Our own message, published to the room: its ack follows (or came already).
      known.backend = backend;
      setPhase(known, known.phase, known.reason);
      return;
    }
    addMessage({ id, room, text, author, mine: false, phase: 'received', backend });
    if (room !== currentRoom) {
      unread.set(room, (unread.get(room) ?? 0) + 1);
      renderRooms();
    }
  }

  function addMessage(message) {
    message.time = new Date();
    const node = document.createElement('li');
    node.dataset.id = message.id;
    const meta = document.createElement('span');
    meta.className = 'meta';
    const author = message.mine ? 'you' : `guest ${String(message.author ?? '').slice(0, 6)}`;
    meta.textContent = `${author} · ${message.time.toLocaleTimeString()}`;
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = message.text;
    const status = document.createElement('span');
    status.className = 'message-status';
    node.append(meta, text, status);
    message.node = node;
    messages.push(message);
    byId.set(message.id, message);
    setPhase(message, message.phase, message.reason);
    if (message.room === currentRoom) appendVisible(node);
    return message;
  }

  // The ticks: ✓ on the wire, ✓✓ acknowledged (the server has it and published it to the room).
  const phaseLabels = {
    queued: '🕓 queued: goes out when connected',
    sent: '✓ sent',
    acked: '✓✓ delivered',
    dropped: '⚠ not delivered',
    received: '',
  };
  const kinds = { queued: 'pending', sent: 'pending', acked: 'delivered', dropped: 'dropped', received: 'received' };

  function setPhase(message, phase, reason) {
    message.phase = phase;
    message.reason = reason;
    message.node.className = `message ${message.mine ? 'mine' : 'theirs'} ${kinds[phase]}`;
    message.node.dataset.phase = phase;
    const via = message.backend && (phase === 'acked' || phase === 'received') ? ` via ${message.backend}` : '';
    const why = reason ? ` (${reason})` : '';
    message.node.querySelector('.message-status').textContent = `${phaseLabels[phase]}${why}${via}`.trim();
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
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'room-tab';
      button.dataset.room = room;
      if (room === currentRoom) button.setAttribute('aria-current', 'true');
      const count = unread.get(room);
      button.textContent = count ? `${room} (${count})` : room;
      button.addEventListener('click', () => showRoom(room));
      return button;
    });
    ui.rooms.replaceChildren(...tabs);
  }

  /** Joins `room`: a subscription the feature sends now if connected, and again after every reconnect. */
  function joinRoom(room) {
    if (typeof room !== 'string' || !room || joinedRooms.has(room)) return;
    joinedRooms.add(room);
    chat?.subscribe(room, subscription(room));
    renderRooms();
    log(`joined ${room}`);
  }

  ui.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = ui.roomInput.value.trim().slice(0, 64);
    if (!room) return;
    joinRoom(room);
    showRoom(room);
  });

  ui.sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.messageInput.value.trim();
    if (!text || !chat) return;
    // Drawn by the `queued` event and ticked by the others; resent until acknowledged, across reconnects and reloads.
    // The promise it returns says the same as the `state` events, which also cover messages from before a reload.
    const sending = chat.deliver({ type: 'chat', room: currentRoom, text });
    // Refused at once (the outbox is full): there was no `queued` to draw it.
    if (!byId.has(sending.id)) {
      addMessage({ id: sending.id, room: currentRoom, text, mine: true, phase: 'dropped', reason: 'overflow' });
    }
    ui.messageInput.value = '';
    ui.messages.scrollTop = ui.messages.scrollHeight;
  });

  // ---------------------------------------------------------------------------------------------
  // Start-up.

  const panel = createPanel({ heartbeat, onClient, features: makeFeatures, rttFact: true, rttIdle: '– (no pong yet)' });
  const { log } = panel;

  // For poking around in the console: `demo.ws.stats`, `demo.chat.pending`.
  window.demo = {
    get ws() {
      return panel.ws;
    },
    get chat() {
      return chat;
    },
    outboxName,
    messages,
  };

  renderRooms();
  panel.run();
})();
