// The demo's index page: links to the examples, the backends of the fleet, and the control API.

/**
 * @param {[string, string][]} backends each backend's name and WebSocket URL
 * @returns {string} the HTML of /
 */
export function indexPage(backends) {
  const backendList = backends.map(([name, url]) => `<li>Backend ${name}: <code>${url}</code></li>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>resilient-ws demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}</style>
</head>
<body>
<h1>resilient-ws demo</h1>
<p>Each example connects to the backends below, which you can kill, drain, silence or break from the page.</p>
<ul>
<li><a href="/examples/chat/">Chat</a>: messages sent while disconnected are queued and delivered on reconnect.</li>
<li><a href="/examples/trading/">Trading</a>: ticker subscriptions resume after a reconnect, with a visible gap.</li>
<li><a href="/examples/react-trading/">Trading in React</a>: the same feed through <code>resilient-ws/react</code>, rendered at most once per frame.</li>
</ul>
<h2>Backends</h2>
<p>They share chat rooms and the price feed (stream <code>prices</code>) through a bus: Redis pub/sub when
the demo runs with <code>REDIS_URL</code>, else in-process. Delivery follows docs/delivery-protocol.md.</p>
<ul>
${backendList.join('\n')}
</ul>
<p>State: <a href="/status"><code>GET /status</code></a>. Switches: <code>POST /control</code>
(<code>{"action":"rollingRestart"}</code> drains one backend at a time).</p>
</body>
</html>
`;
}
