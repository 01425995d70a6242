// The two builds in dist/: the default one, whose argument errors name the argument and the value,
// and dist/development/, picked by the `development` export condition, whose errors also say what
// was expected. Both check the same arguments and throw the same typed error.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '../..');
const dist = join(root, 'dist');
type Core = typeof import('../../src/core');
const load = (file: string): Promise<Core> => import(/* @vite-ignore */ join(dist, file));
// A UMD file, as a CommonJS module.
function umd(file: string): Core {
  const module = { exports: {} };
  new Function('module', 'exports', readFileSync(join(dist, file), 'utf8'))(module, module.exports);
  return module.exports as Core;
}

// Every bad argument a client can be given at construction or at a call, and what it names.
const mistakes: [argument: string, misuse: (core: Core) => unknown][] = [
  ['maxRetries', ({ CoreWebSocket }) => new CoreWebSocket('wss://example.com/', { maxRetries: -1, lazy: true })],
  ['jitter', ({ CoreWebSocket }) => new CoreWebSocket('wss://example.com/', { jitter: 'some' as never })],
  ['url', ({ CoreWebSocket }) => new CoreWebSocket('ftp://example.com/', { lazy: true })],
  ['close(code)', ({ CoreWebSocket }) => new CoreWebSocket('wss://example.com/', { lazy: true }).close(1001)],
  ['send(data)', ({ CoreWebSocket }) => new CoreWebSocket('wss://example.com/', { lazy: true }).send(7 as never)],
];

function thrown(misuse: () => unknown): Error {
  try {
    misuse();
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing was thrown');
}

describe('the default and development builds', () => {
  for (const [argument, misuse] of mistakes) {
    it(`rejects a bad ${argument} in every build, naming it; only the development build says what was expected`, async () => {
      const builds = {
        default: await load('core.mjs'),
        development: await load('development/core.mjs'),
        'default UMD': umd('resilient-ws.umd.min.js'),
        'development UMD': umd('resilient-ws.umd.development.js'),
      };
      for (const [build, core] of Object.entries(builds)) {
        const error = thrown(() => misuse(core));
        expect(builds.default.isResilientError(error, 'InvalidArgumentError'), build).toBe(true);
        expect((error as { argument?: string }).argument, build).toBe(argument);
        expect(error.message.startsWith(`${argument}: `), build).toBe(true);
        if (build.startsWith('development')) expect(error.message, build).toMatch(/: expected /);
        else expect(error.message, build).toMatch(/ is not valid \(the development build says what is\)$/);
      }
    });
  }

  it('leaves the expectations out of the default build: no "expected …" text in any of its files', () => {
    const files = (dir: string) =>
      readdirSync(dir)
        .filter((name) => /\.(mjs|cjs|js)$/.test(name))
        .map((name) => join(dir, name));
    const shipped = [...files(dist), ...files(join(dist, 'shared'))].filter(
      (file) => !/server\.|\.development\./.test(file),
    );
    expect(shipped.length).toBeGreaterThan(10);
    for (const file of shipped)
      expect(/an integer >= 0|a number of ms in/.test(readFileSync(file, 'utf8')), file).toBe(false);
    const development = [...files(join(dist, 'development')), ...files(join(dist, 'development/shared'))];
    expect(development.some((file) => /an integer >= 0/.test(readFileSync(file, 'utf8')))).toBe(true);
  });

  it('is what a bundler picks: the default build, or the development one under that condition', async () => {
    for (const conditions of [[], ['development']]) {
      const { metafile } = await build({
        stdin: { contents: "export { CoreWebSocket } from 'resilient-ws/core';", resolveDir: root },
        bundle: true,
        write: false,
        metafile: true,
        conditions,
        logLevel: 'silent',
      });
      const files = Object.keys(metafile.inputs).filter((file) => file.startsWith('dist/'));
      expect(files, String(conditions)).toContain(conditions.length ? 'dist/development/core.mjs' : 'dist/core.mjs');
      expect(files.every((file) => file.startsWith('dist/development/') === conditions.length > 0)).toBe(true);
    }
  });

  it('maps every entry to both builds in the package exports, the default last', () => {
    const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const [entry, conditions] of Object.entries<Record<string, Record<string, string>>>(exports)) {
      if (entry === './package.json' || entry === './server') continue;
      for (const mode of ['import', 'require']) {
        const { development, default: standard } = conditions[mode] as Record<string, string>;
        expect(development, entry).toBe(standard?.replace('./dist/', './dist/development/'));
        expect(Object.keys(conditions[mode] as object), entry).toEqual(['types', 'development', 'default']);
      }
    }
  });
});
