// The built bindings (dist/react, vue, svelte, in both builds) take the client from the main entry
// beside them, so an app that imports both has one copy of the client, not two.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { countingSocket, freshUrl, mockOptions, serve, useFakeFrames } from './bindings';

const dist = join(__dirname, '../../dist');
useFakeFrames();

describe('the built bindings', () => {
  for (const build of ['', 'development/']) {
    it(`make clients of the main entry's class (${build || 'default '}build)`, async () => {
      const main = await import(/* @vite-ignore */ join(dist, `${build}index.mjs`));
      const svelte = await import(/* @vite-ignore */ join(dist, `${build}svelte.mjs`));
      const url = freshUrl();
      serve(url);
      const feed = svelte.connection(url, mockOptions(countingSocket().WebSocket));
      const stop = feed.subscribe(() => {});
      expect(feed.client).toBeInstanceOf(main.ResilientWebSocket);
      stop();
      await vi.advanceTimersByTimeAsync(50);
      expect(feed.client).toBeUndefined();
    });
  }

  it('import nothing of the client but the main entry, in every file and format', () => {
    const files = ['', 'development/'].flatMap((build) =>
      ['react', 'vue', 'svelte']
        .flatMap((name) => [`${build}${name}.mjs`, `${build}${name}.cjs`])
        .concat(
          readdirSync(join(dist, build, 'shared'))
            .filter((file) => /^store-.*\.[mc]js$/.test(file))
            .map((file) => `${build}shared/${file}`),
        ),
    );
    expect(files.length).toBeGreaterThanOrEqual(16);
    for (const file of files) {
      const text = readFileSync(join(dist, file), 'utf8');
      const imports = [...text.matchAll(/(?:from |require\(|import )'([^']+)'/g)].map(([, path]) => path);
      const own = imports.filter((path) => path.startsWith('.') && !/(^|\/)shared\/store-/.test(path));
      const main = file.includes('shared/') ? '../index' : './index';
      expect(
        own.every((path) => path === `${main}.${file.endsWith('.cjs') ? 'cjs' : 'mjs'}`),
        `${file}: ${own}`,
      ).toBe(true);
    }
  });
});
