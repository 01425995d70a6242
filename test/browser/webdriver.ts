// A minimal W3C WebDriver (classic) client over fetch: enough to drive WebKitGTK's MiniBrowser
// through Debian's WebKitWebDriver, which speaks neither CDP nor WebDriver BiDi.

import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../ports';

/** A running WebDriver server, started by {@link startDriver}. */
export interface DriverProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The last 8 kB the driver and the browser it started wrote to stderr (a crash says so there). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts the WebDriver server `driver` on a free port and resolves once it answers /status.
 * Without an X display it runs under `xvfb-run -a`: WebKitGTK needs one, and without it the
 * session request hangs instead of failing, so every request here has a deadline.
 */
export async function startDriver(driver: string, timeout = 10_000): Promise<DriverProcess> {
  const port = await freePort();
  const command = process.env.DISPLAY ? [driver] : ['xvfb-run', '-a', driver];
  // Its own process group, so that stopping it also stops Xvfb and the browser it started.
  const child: ChildProcess = spawn(command[0], [...command.slice(1), `--port=${port}`], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    log = (log + chunk).slice(-8192);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGTERM');
    await exited;
  };
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return { url, log: () => log, stop };
    } catch {}
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${driver} did not answer on ${url} within ${timeout} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One WebDriver session: a browser, with its windows. */
export class WebDriverSession {
  private constructor(
    private readonly base: string,
    readonly capabilities: Record<string, unknown>,
  ) {}

  /** Creates a session; `timeout` bounds the browser's start. */
  static async create(url: string, alwaysMatch: Record<string, unknown>, timeout = 20_000): Promise<WebDriverSession> {
    const { sessionId, capabilities } = (await send(
      url,
      'POST',
      '/session',
      { capabilities: { alwaysMatch } },
      timeout,
    )) as {
      sessionId: string;
      capabilities: Record<string, unknown>;
    };
    return new WebDriverSession(`${url}/session/${sessionId}`, capabilities);
  }

  /** Sends a command of this session, e.g. `('POST', '/url', { url })`, and resolves with its value. */
  async command(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, timeout = 120_000): Promise<unknown> {
    try {
      return await send(this.base, method, path, body, timeout);
    } catch (error) {
      // A command in flight when the page's process dies fails with whatever the driver makes of
      // it ("Could not parse script result"); whether the session outlived it tells the two apart.
      const lost = /invalid session id/.test(String(error))
        ? undefined
        : await send(this.base, 'GET', '/window', undefined, 5000).then(
            () => undefined,
            (probe: Error) => (/invalid session id/.test(probe.message) ? probe : undefined),
          );
      throw lost ? new Error(`${(error as Error).message}; then ${lost.message}`) : error;
    }
  }

  /**
   * Runs `source` (a function's text) in the page with `args`, awaiting what it returns. The value
   * travels as JSON, so `undefined` properties are left out, as in a JSON round trip.
   */
  async execute(source: string, args: unknown[]): Promise<unknown> {
    const script = `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => (${source})(...Array.prototype.slice.call(arguments, 0, -1))).then(
  (value) => done(JSON.stringify({ value })),
  (error) => done(JSON.stringify({ error: String((error && error.stack) || error) })),
);`;
    const answer = JSON.parse((await this.command('POST', '/execute/async', { script, args })) as string);
    if ('error' in answer) throw new Error(`in the page: ${answer.error}`);
    return answer.value;
  }

  /** The id of the element `selector` matches first. */
  async element(selector: string): Promise<string> {
    const found = (await this.command('POST', '/element', { using: 'css selector', value: selector })) as Record<
      string,
      string
    >;
    // W3C's element reference key.
    return found['element-6066-11e4-a52e-4f735466cecf'];
  }

  async delete(): Promise<void> {
    await this.command('DELETE', '', undefined, 10_000);
  }
}

async function send(base: string, method: string, path: string, body: unknown, timeout: number): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    // WebKitWebDriver wants a JSON object in every POST, even where the command has no parameters.
    body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
    signal: AbortSignal.timeout(timeout),
  });
  const { value } = (await response.json()) as { value: { error?: string; message?: string } };
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${value?.error}: ${value?.message}`);
  return value;
}
