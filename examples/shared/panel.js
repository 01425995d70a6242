// What both example pages share: the connection badge and mode picker, the Connection facts, the buttons that
// break the demo server (POST /control) and the event log. It creates the page's ResilientWebSocket (again on a
// change of mode) and hands each one to the page for its own listeners.
//
// A classic script, so the chat page (no modules) and the trading page (an ES module) can both load it: it
// takes the SDK from the UMD build's global `ResilientWS` and defines the global `DemoPanel`.

(() => {
  const { ResilientWebSocket, describeEvent, discover } = globalThis.ResilientWS;

  const $ = (selector) => document.querySelector(selector);

  /** The JSON in a text message, or undefined. */
  function parse(data) {
    if (typeof data !== 'string') return undefined;
    try {
      return JSON.parse(data);
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The markup: the badge and mode picker go after the page's <h1> in .topbar, the cards into .side.

  const TOPBAR = `
  <span id="state" class="badge" data-state="idle" role="status" aria-live="polite">idle</span>
  <label class="mode" for="mode">Connect
    <select id="mode">
      <option value="direct">directly to backend a</option>
      <option value="redirect">via /redirect/302/ws (the preflight follows it)</option>
      <option value="discovery">via discovery (GET /discovery)</option>
    </select>
  </label>
`;

  function sideHtml(rttFact) {
    const rtt = rttFact ? `\n        <dt>Round trip</dt><dd id="rtt">–</dd>` : '';
    return `
    <section class="card" aria-label="Connection">
      <h2>Connection</h2>
      <dl class="facts">
        <dt>Attempt</dt><dd id="attempt">–</dd>
        <dt>Next retry</dt><dd id="next-retry">–</dd>
        <dt>Endpoint</dt><dd id="endpoint" class="mono">–</dd>
        <dt>Resolved</dt><dd id="resolved">–</dd>
        <dt>Backend</dt><dd id="client-backend">–</dd>
        <dt>This tab</dt><dd id="tab-role" data-role="solo">solo</dd>${rtt}
        <dt>Counters</dt><dd id="counters">–</dd>
        <dt>Last error</dt><dd><span id="last-error">none</span> <span id="last-error-status" class="status-chip" hidden></span></dd>
      </dl>
      <button id="reconnect" type="button">Reconnect now</button>
    </section>

    <section class="card" aria-label="Demo server controls">
      <h2>Break the server</h2>
      <label class="field" for="target-backend">Acts on
        <select id="target-backend">
          <option value="auto">the client's backend</option>
          <option value="a">backend a</option>
          <option value="b">backend b</option>
        </select>
      </label>
      <div class="buttons">
        <button id="kill" type="button" class="danger">Kill</button>
        <button id="restart" type="button">Restart</button>
        <button id="silence" type="button" aria-pressed="false">Silence</button>
        <button id="close-1012" type="button">Close 1012</button>
        <button id="status-403" type="button">Answer 403</button>
        <button id="status-503" type="button">503, retry 3 s</button>
        <button id="status-200" type="button" title="A page for every GET and upgrade, as from a wrong path, a proxy that drops the upgrade, or a fallback route">Answer 200</button>
        <button id="clear-status" type="button">Clear status</button>
        <button id="switch" type="button">Switch to b</button>
        <button id="reset" type="button" class="quiet">Reset demo</button>
      </div>
      <p class="hint">A status answers new handshakes only: follow it with <em>Close 1012</em>. The client reads it
        over HTTP after the failed handshake, in every mode (through discovery it asks the endpoint discovery named). <em>Switch</em>
        moves discovery and the redirect, not open connections. <em>Restart</em> brings back every killed backend.</p>
      <p id="control-result" class="control-result" role="status"></p>
      <table class="backends">
        <thead><tr><th>Backend</th><th>Up</th><th>Silent</th><th>Status</th><th>Clients</th></tr></thead>
        <tbody>
          <tr id="backend-a"><th>a</th><td class="alive">?</td><td class="silenced">?</td><td class="http">?</td><td class="clients">?</td></tr>
          <tr id="backend-b"><th>b</th><td class="alive">?</td><td class="silenced">?</td><td class="http">?</td><td class="clients">?</td></tr>
        </tbody>
      </table>
      <p class="hint">Discovery and the redirect point at <strong id="server-target">?</strong>.</p>
    </section>

    <section class="card" aria-label="Event log">
      <h2>Events</h2>
      <ol id="log" class="log"></ol>
    </section>
  `;
  }

  /**
   * Puts the shared panels into the page and wires them up; `run()` then connects.
   * @param {object} options
   * @param {object} options.heartbeat The `heartbeat` option of every client.
   * @param {(client: object) => void} options.onClient Called with each new client right after it is created,
   *   for the page's own listeners (`open`, `message`, `drop`).
   * @param {() => object[]} [options.features] Makes the `features` of each new client (one delivery() per
   *   client). Called before the previous client is closed, so the page can let go of its features first.
   * @param {boolean} [options.rttFact] Show the round trip among the Connection facts; without it the page has
   *   its own element with the id `rtt`.
   * @param {string} [options.rttIdle] What the round trip shows before the first pong.
   * @returns {{ readonly ws: object | null, log: (text: string) => void, run: () => Promise<void> }}
   */
  function createPanel({ heartbeat, onClient, features = () => [], rttFact = false, rttIdle = '–' }) {
    $('.topbar').insertAdjacentHTML('beforeend', TOPBAR);
    $('.side').insertAdjacentHTML('beforeend', sideHtml(rttFact));

    const ui = {
      state: $('#state'),
      mode: $('#mode'),
      attempt: $('#attempt'),
      nextRetry: $('#next-retry'),
      endpoint: $('#endpoint'),
      resolved: $('#resolved'),
      clientBackend: $('#client-backend'),
      tabRole: $('#tab-role'),
      rtt: $('#rtt'),
      counters: $('#counters'),
      lastError: $('#last-error'),
      lastErrorStatus: $('#last-error-status'),
      reconnect: $('#reconnect'),
      target: $('#target-backend'),
      silence: $('#silence'),
      switchButton: $('#switch'),
      controlResult: $('#control-result'),
      serverTarget: $('#server-target'),
      log: $('#log'),
    };

    let ws = null;
    let retryAt = 0;
    let retryNumber = 0;
    let serverStatus = null; // the last answer of GET /status or POST /control
    let lastBackend;

    // -------------------------------------------------------------------------------------------
    // The connection.

    function backendUrl(name) {
      const known = serverStatus?.backends?.[name]?.url;
      if (known) return known;
      // Before /status answered: `npm start` puts backend a on the page's port + 1, b on + 2.
      return `ws://${location.hostname}:${Number(location.port) + (name === 'a' ? 1 : 2)}/ws`;
    }

    function createClient(mode, features) {
      // The event log is the SDK's own: one line per event, secrets in URLs redacted.
      const options = { heartbeat, features, logger: (type, args) => log(describeEvent(type, args)) };
      // The page's tabs share one connection (resilient-ws/tabs, loaded by its own script tag; `?tabs=off` turns
      // it off): one tab leads and holds the socket, the others follow through it; the backends' table counts
      // the connections. The key is the mode, so that tabs in different modes do not share.
      if (window.ResilientWSTabs && new URLSearchParams(location.search).get('tabs') !== 'off') {
        const shared = window.ResilientWSTabs.tabs({ key: `demo:${mode}` });
        const showRole = (role) => {
          ui.tabRole.textContent = role === 'leader' ? 'leader (holds the connection)' : role;
          ui.tabRole.dataset.role = role;
        };
        shared.on('role', (role) => {
          showRole(role);
          log(`this tab is now the ${role}`);
        });
        showRole(shared.role);
        Object.assign(options, { WebSocket: shared.WebSocket, features: [shared, ...features] });
      }
      if (mode === 'discovery') return new ResilientWebSocket(discover('/discovery'), options);
      // The native handshake fails on the 302; the preflight GET follows it to the backend's http twin.
      if (mode === 'redirect') return new ResilientWebSocket('/redirect/302/ws', options);
      return new ResilientWebSocket(backendUrl('a'), options);
    }

    function start(mode) {
      const made = features();
      if (ws) {
        // Listeners off first, so the page hears nothing from the old client as it closes. What the chat page
        // delivered lives on in the new client's delivery(), which loads the outbox again (see `features`).
        ws.removeAllListeners();
        ws.close(1000, 'mode change');
      }
      const client = createClient(mode, made);
      ws = client;
      retryAt = 0;
      // A new client starts with a clean panel.
      for (const field of [ui.attempt, ui.endpoint, ui.resolved, ui.clientBackend]) field.textContent = '–';
      for (const key of Object.keys(ui.resolved.dataset)) delete ui.resolved.dataset[key];
      lastBackend = undefined;
      showError('none', undefined);
      log(`new client: ${ui.mode.selectedOptions[0].textContent}`);

      client.on('state', (state) => {
        ui.state.textContent = state;
        ui.state.dataset.state = state;
        if (state !== 'waiting') retryAt = 0;
        showStats();
        updateCountdown();
      });
      client.on('resolving', ({ attempt }) => showAttempt(attempt));
      client.on('resolved', (info) => {
        ui.endpoint.textContent = info.url;
        const parts = [info.via];
        if (info.redirected) parts.push('redirected');
        if (info.status !== undefined) parts.push(`HTTP ${info.status}`);
        if (info.cached) parts.push('cached');
        if (info.maxAge !== undefined) parts.push(`max-age ${info.maxAge} s`);
        ui.resolved.textContent = parts.join(', ');
        ui.resolved.dataset.via = info.via;
        // Unset when no preflight ran: a handshake's own redirects are invisible to script.
        ui.resolved.dataset.redirected = String(info.redirected ?? 'unknown');
        ui.resolved.dataset.status = info.status ?? '';
        ui.resolved.dataset.cached = String(info.cached);
        showBackend();
      });
      client.on('connecting', ({ attempt }) => showAttempt(attempt));
      client.on('reconnecting', ({ attempt, delay, reason }) => {
        retryAt = Date.now() + delay;
        retryNumber = attempt;
        showError(
          describeOutcome(reason),
          reason.type === 'http' || reason.type === 'not-websocket' ? reason.status : undefined,
        );
        updateCountdown();
      });
      client.on('failed', (error) => showError(error.message, error.status));
      onClient(client);
    }

    function describeOutcome(outcome) {
      switch (outcome.type) {
        case 'close':
          return `closed ${outcome.code}${outcome.reason ? ` (${outcome.reason})` : ''}${outcome.opened ? '' : ' during the handshake'}`;
        case 'http': {
          const wait =
            outcome.retryAfter === undefined ? '' : `, Retry-After ${Math.round(outcome.retryAfter / 1000)} s`;
          return `HTTP ${outcome.status} from ${outcome.url}${wait}`;
        }
        case 'resolve':
          return outcome.error.message;
        case 'not-websocket':
          return `HTTP ${outcome.status} ${outcome.contentType} from ${outcome.url}: not a WebSocket server (check the path, the proxy's Upgrade and Connection headers, a fallback route)`;
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
      ui.rtt.textContent = rtt === undefined ? rttIdle : `${rtt} ms`;
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

    // -------------------------------------------------------------------------------------------
    // The demo server's control API.

    function clientBackend() {
      if (!serverStatus || !ws?.url) return undefined;
      const port = new URL(ws.url).port;
      return Object.keys(serverStatus.backends).find((name) => String(serverStatus.backends[name].port) === port);
    }

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

    // Each button's id, and the POST /control bodies it sends.
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
      'status-200': () => [{ action: 'setStatus', backend: targetBackend(), status: 200 }],
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

    ui.target.addEventListener('change', () => serverStatus && showServerStatus(serverStatus));

    // -------------------------------------------------------------------------------------------
    // Event log and start-up.

    function log(text) {
      const item = document.createElement('li');
      const time = document.createElement('time');
      time.textContent = new Date().toLocaleTimeString();
      item.append(time, ` ${text}`);
      ui.log.prepend(item);
      while (ui.log.childElementCount > 80) ui.log.lastElementChild.remove();
    }

    /** Takes the mode from `?mode=`, asks the server for its state, creates the first client, keeps the panel live. */
    async function run() {
      const requested = new URLSearchParams(location.search).get('mode');
      if (requested && [...ui.mode.options].some((option) => option.value === requested)) ui.mode.value = requested;
      await pollStatus();
      start(ui.mode.value);
      setInterval(updateCountdown, 100);
      setInterval(showStats, 500);
      setInterval(pollStatus, 1000);
    }

    return {
      /** The current client: a new one after each change of mode. */
      get ws() {
        return ws;
      },
      log,
      run,
    };
  }

  globalThis.DemoPanel = { createPanel, parse };
})();
