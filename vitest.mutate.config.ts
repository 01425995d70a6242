// The unit project alone, for mutation testing (`npm run mutate`): Stryker runs the unit tests that
// cover each mutant, never the integration or browser ones (real servers, browsers, minutes each).

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // These check the built files in dist/, not the source Stryker mutates (and the sandbox it
    // mutates in has no dist/).
    exclude: ['test/unit/builds.test.ts', 'test/unit/bindings-builds.test.ts', 'test/unit/types.test.ts'],
    environment: 'happy-dom',
  },
});
