// Chat example: the demo server's chat protocol over a ResilientWebSocket (UMD build, global `ResilientWS`),
// with messages kept while offline. ../shared/panel.js (global `DemoPanel`) creates the client and shows the
// connection badge, facts, server controls and event log.

(() => {
  const { createPanel, parse } = window.DemoPanel;

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

  // Each page load is one chat participant; message ids are `<session>-<n>`, unique per message.
  const session = Math.random().toString(36).slice(2, 8);
  let messageCount = 0;

  let clientSerial = 0; // one per ResilientWebSocket created (the mode can change)
  let openSerial = 0; // one per connection that opened, across clients
  let currentRoom = 'lobby';
  const joinedRooms = new Set([currentRoom]);
  const unread = new Map();
  const messages = []; // { id, room, text, mine, phase, sentOn, queuedIn, node }
  const byId = new Map();

  const panel = createPanel({ heartbeat, onClient, rttFact: true, rttIdle: '– (no pong yet)' });
  const { log } = panel;

  // ---------------------------------------------------------------------------------------------
  // The connection: the panel creates each client, the page adds its own listeners.

  function onClient(client) {
    const serial = ++clientSerial;
    client.on('open', () => {
      openSerial++;
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
    client.on('drop', ({ data }) => {
      const message = byId.get(parse(data)?.id);
      if (message) setPhase(message, 'dropped');
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
      panel.ws?.send(JSON.stringify({ type: 'join', room }));
      log(`joined ${room}`);
    }
    showRoom(room);
  });

  ui.sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.messageInput.value.trim();
    const ws = panel.ws;
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
  // Start-up.

  // For poking around in the console: `demo.ws.stats`.
  window.demo = {
    get ws() {
      return panel.ws;
    },
    messages,
  };

  renderRooms();
  panel.run();
})();
