// Mutation testing of the unit suite: `npm run mutate` (all of src/core, src/resolution,
// src/features and src/server), or `npm run mutate -- --mutate 'src/core/backoff.ts'` for one file.
// Incremental: a rerun tests again only mutants whose code or covering tests changed since the
// last run (reports/stryker-incremental.json). Not part of `npm test`: a full run takes long.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  // Each mutant runs only the tests that executed its code.
  coverageAnalysis: 'perTest',
  mutate: [
    'src/core/**/*.ts',
    'src/resolution/**/*.ts',
    'src/features/**/*.ts',
    'src/server/**/*.ts',
    // The development build's switch: mutating it changes message text only.
    '!src/core/dev.ts',
  ],
  plugins: ['@stryker-mutator/vitest-runner', './stryker-ignore-messages.mjs'],
  // Message text (errors, logs, the development build's explanations) is not behaviour: see the plugin.
  ignorers: ['message-text'],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 2,
  // A mutant that loops or grows without end is stopped: by time, and by memory per worker.
  timeoutMS: 5000,
  timeoutFactor: 2,
  testRunnerNodeArgs: ['--max-old-space-size=1536'],
  maxTestRunnerReuse: 50,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation.json' },
  thresholds: { high: 85, low: 75, break: null },
  tempDirName: '.stryker-tmp',
};
