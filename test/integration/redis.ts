// A private redis-server for integration tests, on a free 127.0.0.1 port, stopped after the file.
// Without redis-server the tests skip with a message, except under CI=true, where they fail.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort } from '../ports';

/** True when a redis-server binary can be run. */
export const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

const onCi = process.env.CI === 'true' || process.env.CI === '1';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Spawns `redis-server --port N --save '' --appendonly no` (on `port`, or a free one); resolves once
 * it accepts connections.
 */
export async function startRedisServer(fixedPort?: number): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      await whenReady(child);
      return { url: `redis://127.0.0.1:${port}`, stop: () => stop(child) };
    } catch (error) {
      await stop(child);
      // Someone took the port in between (or, for a restart on a fixed port, still holds it): a
      // new port, or the same one a moment later; three times, then give up.
      if (attempt >= 3) throw error;
      if (fixedPort) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function whenReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (/Ready to accept connections/.test(output)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    child.once('error', reject);
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * A describe block with its own redis-server: `redis()` gives its URL inside the tests. Skipped
 * with a message when redis-server is missing, failed instead under CI.
 */
export function describeWithRedis(name: string, body: (redis: () => RedisServer) => void): void {
  if (!hasRedisServer) {
    const why = 'redis-server is not installed (apt-get install -y redis-server)';
    if (onCi) {
      describe(name, () => {
        it('needs redis-server', () => {
          throw new Error(`${why}; CI must run these tests`);
        });
      });
    } else {
      console.warn(`Skipping "${name}": ${why}`);
      describe.skip(name, () => body(() => ({ url: '', stop: async () => {} })));
    }
    return;
  }
  describe(name, () => {
    let server: RedisServer | undefined;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      await server?.stop();
    });
    body(() => {
      if (!server) throw new Error('redis-server did not start');
      return server;
    });
  });
}
