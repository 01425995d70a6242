// Builds dist/: ESM and CJS for bundlers and Node (eventemitter3 stays a dependency), one entry
// per package export with shared chunks, type declarations per entry and format, and a minified
// UMD for script tags with eventemitter3 inside (batteries included). The default build has
// `dev` (src/core/dev.ts) false; dist/development/ has the same files with it true, for the
// `development` export condition.
import commonjs from '@rollup/plugin-commonjs';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const typescriptOptions = { tsconfig: './tsconfig.json', declaration: false, outDir: undefined };
const banner = '/*! resilient-ws | MIT License */';

// Package export → source file. Each feature is its own entry, so an app imports only what it uses.
export const entries = {
  index: 'src/index.ts',
  core: 'src/core.ts',
  heartbeat: 'src/features/heartbeat.ts',
  network: 'src/features/network.ts',
  page: 'src/features/page.ts',
  preflight: 'src/resolution/feature.ts',
  discovery: 'src/resolution/discovery.ts',
  delivery: 'src/features/delivery/index.ts',
};

// The default build: src/core/dev.ts says false, and the bundler drops what depends on it.
const production = {
  name: 'production',
  load: (id) => (id.replace(/\\/g, '/').endsWith('/src/core/dev.ts') ? 'export const dev = false;\n' : null),
};

// ESM and CJS of every entry into `dir`, with shared chunks.
const library = (dir, plugins) => ({
  input: entries,
  external: ['eventemitter3'],
  plugins: [...plugins, typescript(typescriptOptions)],
  output: ['es', 'cjs'].map((format) => {
    const extension = format === 'es' ? 'mjs' : 'cjs';
    return {
      dir,
      format,
      sourcemap: true,
      banner,
      ...(format === 'cjs' && { exports: 'named' }),
      entryFileNames: `[name].${extension}`,
      chunkFileNames: `shared/[name]-[hash].${extension}`,
    };
  }),
});

export default [
  library('dist', [production]),
  library('dist/development', []),
  // The UMD file: minified, default build; and its development twin, readable, for a script tag
  // while writing the app.
  ...[
    { file: 'dist/resilient-ws.umd.min.js', plugins: [production], minify: true },
    { file: 'dist/resilient-ws.umd.development.js', plugins: [], minify: false },
  ].map(({ file, plugins, minify }) => ({
    input: 'src/index.ts',
    plugins: [...plugins, resolve({ browser: true }), commonjs(), typescript(typescriptOptions)],
    output: {
      file,
      format: 'umd',
      name: 'ResilientWS',
      sourcemap: true,
      banner,
      plugins: minify ? [terser({ format: { comments: /^!/ } })] : [],
    },
  })),
  ...['mts', 'cts'].map((extension) => ({
    input: entries,
    plugins: [dts()],
    output: {
      dir: 'dist',
      entryFileNames: `[name].d.${extension}`,
      chunkFileNames: `shared/[name]-[hash].d.${extension}`,
    },
  })),
  // resilient-ws/server: the Node-only reference server (src/server has its own tsconfig with
  // Node types). `ws` is never imported at runtime; the node: builtins stay external.
  {
    input: 'src/server/index.ts',
    external: [/^node:/],
    plugins: [typescript({ ...typescriptOptions, tsconfig: './src/server/tsconfig.json' })],
    output: [
      { file: 'dist/server.mjs', format: 'es', sourcemap: true, banner },
      { file: 'dist/server.cjs', format: 'cjs', sourcemap: true, banner, exports: 'named' },
    ],
  },
  {
    input: 'src/server/index.ts',
    external: [/^node:/, 'ws'],
    plugins: [dts({ tsconfig: './src/server/tsconfig.json' })],
    output: [{ file: 'dist/server.d.mts' }, { file: 'dist/server.d.cts' }],
  },
];
