// The unit project, for mutation testing (`npm run mutate`): Stryker runs the unit tests that cover
// each mutant, never the browser ones (browsers, minutes each) and of the integration tests only
// the Redis client's (the one way to reach the Redis pieces of src/server; seconds).

import { defineConfig } from 'vitest/config';

const exclude = [
  // These check the built files in dist/, not the source Stryker mutates (and the sandbox it
  // mutates in has no dist/).
  'test/unit/builds.test.ts',
  'test/unit/bindings-builds.test.ts',
  'test/unit/types.test.ts',
  // These read files (the README and its examples, compiled; the source's import graph; the
  // lockfile; the CI summary script) and run none of the code Stryker mutates. The README's
  // compile alone takes 7 s, which every mutant in module-level code would pay.
  'test/unit/readme.test.ts',
  'test/unit/imports.test.ts',
  'test/unit/lockfile.test.ts',
  'test/unit/ci-summary.test.ts',
];
// The framework bindings' tests (React, Vue, Svelte) count every timer of the page, their
// framework's included: they keep a fresh environment per file.
const bindings = 'test/unit/bindings-*.test.ts';

export default defineConfig({
  test: {
    environment: 'happy-dom',
    projects: [
      {
        extends: true,
        test: {
          name: 'mutate',
          include: ['test/unit/**/*.test.ts'],
          exclude: [...exclude, bindings],
          // One environment and one module graph for all the files of a run, instead of a fresh
          // happy-dom per file (most of each mutant's time). Each mutant's run still starts a new
          // worker, so module-level code is evaluated again with the mutant in place. These files
          // pass this way in one worker, and give the same result per mutant: see docs/testing.md.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'mutate-bindings', include: [bindings], exclude } },
      // The Redis client, bus, dedup store and publisher are reached by no unit test: their own
      // integration test runs against a private redis-server (started by the test file).
      {
        test: {
          name: 'mutate-redis',
          include: ['test/integration/redis-client.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
    ],
  },
});
