// The demo's self-check (examples/server/selfcheck.mjs), run as its own process: once with the
// in-process bus, once with the fleet sharing a private redis-server. Needs dist/ (npm run build).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithRedis } from './redis';

const root = join(__dirname, '../..');

function selfcheck(env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['examples/server/selfcheck.mjs'], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function expectAllPassed({ code, output }: { code: number | null; output: string }, bus: string) {
  expect(existsSync(join(root, 'dist/server.mjs')), 'dist/server.mjs: run `npm run build` first').toBe(true);
  expect(output).toContain(`bus: ${bus}`);
  expect(output).not.toContain('FAIL');
  expect(output).toContain('ok   rolling restart');
  expect(output).toContain('all checks passed');
  expect(code).toBe(0);
}

it('should pass the demo self-check with the in-process bus', { timeout: 60_000 }, async () => {
  expectAllPassed(await selfcheck({ REDIS_URL: '' }), 'memory');
});

describeWithRedis('the demo fleet on Redis', (redis) => {
  it('should pass the demo self-check with the backends sharing Redis', { timeout: 60_000 }, async () => {
    expectAllPassed(await selfcheck({ REDIS_URL: redis().url }), 'redis');
  });
});
