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
  tabs: 'src/tabs/index.ts',
};

// Framework bindings: each its own entry, built apart from the others so that it holds only the
// store and its adapter. What they take from the client they import from the main entry
// (`../index` in the source, `./index.mjs` or `./index.cjs` beside them), so an app that also
// imports `resilient-ws` has one copy of the client, and the framework stays the app's.
export const bindings = {
  react: 'src/bindings/react.ts',
  vue: 'src/bindings/vue.ts',
  svelte: 'src/bindings/svelte.ts',
};
const frameworks = ['react', 'vue'];
// `../index` from a binding is the main entry of the same build and format beside it: `./index.mjs`
// from the entry files, `../index.mjs` from shared/.
const mainEntry = (extension) => ({
  name: 'main-entry',
  resolveId: (source, importer) =>
    source === '../index' && importer?.replace(/\\/g, '/').includes('/src/bindings/')
      ? { id: 'resilient-ws:main', external: true }
      : null,
  renderChunk: (code, chunk) => ({
    code: code.replaceAll(
      /(['"])resilient-ws:main\1/g,
      `'${chunk.fileName.includes('/') ? '..' : '.'}/index.${extension}'`,
    ),
    map: null,
  }),
});

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

// Every binding in `format` into `dir`.
const binding = (dir, format) => {
  const extension = format === 'es' ? 'mjs' : 'cjs';
  return {
    input: bindings,
    external: frameworks,
    plugins: [mainEntry(extension), typescript(typescriptOptions)],
    output: {
      dir,
      format,
      sourcemap: true,
      banner,
      ...(format === 'cjs' && { exports: 'named' }),
      entryFileNames: `[name].${extension}`,
      chunkFileNames: `shared/[name]-[hash].${extension}`,
    },
  };
};

export default [
  library('dist', [production]),
  library('dist/development', []),
  ...['dist', 'dist/development'].flatMap((dir) => [binding(dir, 'es'), binding(dir, 'cjs')]),
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
  // Tabs for a script tag, beside the main UMD file: global `ResilientWSTabs` (its own copy of the
  // few core pieces it uses, eventemitter3 inside).
  {
    input: 'src/tabs/index.ts',
    plugins: [production, resolve({ browser: true }), commonjs(), typescript(typescriptOptions)],
    output: {
      file: 'dist/resilient-ws-tabs.umd.min.js',
      format: 'umd',
      name: 'ResilientWSTabs',
      sourcemap: true,
      banner,
      plugins: [terser({ format: { comments: /^!/ } })],
    },
  },
  ...['mts', 'cts'].map((extension) => ({
    input: entries,
    plugins: [dts()],
    output: {
      dir: 'dist',
      entryFileNames: `[name].d.${extension}`,
      chunkFileNames: `shared/[name]-[hash].d.${extension}`,
    },
  })),
  ...['mts', 'cts'].map((extension) => ({
    input: bindings,
    external: frameworks,
    plugins: [mainEntry(extension === 'mts' ? 'mjs' : 'cjs'), dts()],
    output: {
      dir: 'dist',
      entryFileNames: `[name].d.${extension}`,
      chunkFileNames: `shared/[name]-[hash].d.${extension}`,
    },
  })),
  // The React trading example (examples/react-trading): the page's app with React (production build)
  // and the SDK in one script, so `npm start` serves it with no dev server. Not minified: it is read
  // from disk by the demo server, and terser would double the build's time.
  {
    input: 'examples/react-trading/app.tsx',
    plugins: [
      production,
      {
        name: 'node-env',
        transform: (code) =>
          code.includes('process.env.NODE_ENV')
            ? { code: code.replaceAll('process.env.NODE_ENV', '"production"'), map: null }
            : null,
      },
      resolve({ browser: true }),
      commonjs(),
      typescript({
        ...typescriptOptions,
        tsconfig: './examples/react-trading/tsconfig.json',
        noEmit: false,
        include: ['examples/react-trading/*.tsx', 'src/**/*.ts'],
      }),
    ],
    output: {
      file: 'examples/react-trading/build/app.js',
      format: 'iife',
      sourcemap: true,
    },
  },
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
