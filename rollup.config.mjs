// Builds dist/: ESM and CJS for bundlers and Node (eventemitter3 stays a dependency), one type
// declaration per format, and a minified UMD for script tags with eventemitter3 inside.
import commonjs from '@rollup/plugin-commonjs';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const typescriptOptions = { tsconfig: './tsconfig.json', declaration: false, outDir: undefined };
// Private members are named without a leading underscore; mangling the ones that start with
// "_" would be unsafe, so only whitespace and locals are minified.
const banner = '/*! resilient-ws | MIT License */';

export default [
  {
    input: 'src/index.ts',
    external: ['eventemitter3'],
    plugins: [typescript(typescriptOptions)],
    output: [
      { file: 'dist/index.mjs', format: 'es', sourcemap: true, banner },
      { file: 'dist/index.cjs', format: 'cjs', sourcemap: true, banner, exports: 'named' },
    ],
  },
  {
    input: 'src/index.ts',
    plugins: [resolve({ browser: true }), commonjs(), typescript(typescriptOptions)],
    output: {
      file: 'dist/resilient-ws.umd.min.js',
      format: 'umd',
      name: 'ResilientWS',
      sourcemap: true,
      banner,
      plugins: [terser({ format: { comments: /^!/ } })],
    },
  },
  {
    input: 'src/index.ts',
    plugins: [dts()],
    output: [{ file: 'dist/index.d.mts' }, { file: 'dist/index.d.cts' }],
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
