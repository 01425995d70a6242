// The README is part of the API: its options table must match the code, and its TypeScript
// examples must compile against the source as written.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { defaults } from '../../src';
import { typeProblems } from './compile';

const root = join(__dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
// Every interface that ResilientWebSocket's options are made of.
const optionsSources = [
  ['src/core/options.ts', 'export interface CoreOptions {'],
  ['src/resolution/feature.ts', 'export interface ResolutionOptions {'],
  ['src/options.ts', 'export interface Options extends CoreOptions, ResolutionOptions {'],
] as const;

describe('README', () => {
  it('lists every option, with the default the code has', () => {
    const declared = optionsSources.flatMap(([file, start]) => {
      const source = readFileSync(join(root, file), 'utf8');
      const block = source.slice(source.indexOf(start));
      return [...block.slice(0, block.indexOf('\n}')).matchAll(/^ {2}(\w+)\?:/gm)].map(([, name]) => name);
    });
    const rows = Object.fromEntries(
      [...readme.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].map(([, name, value]) => [name, value?.trim()]),
    );
    expect(declared.length).toBeGreaterThan(25);
    for (const name of declared) expect(rows, `option ${name}`).toHaveProperty(name as string);
    for (const [name, value] of Object.entries(defaults)) {
      const expected =
        value === Number.POSITIVE_INFINITY
          ? '`Infinity`'
          : typeof value === 'string'
            ? `\`'${value}'\``
            : `\`${value}\``;
      expect(rows[name], `default of ${name}`).toBe(expected);
    }
  });

  it('has TypeScript examples that compile against the source', { timeout: 30_000 }, () => {
    const blocks = [...readme.matchAll(/```(tsx?)\n([\s\S]*?)```/g)].map(([, language, code]) => ({
      language: language as string,
      code: code as string,
    }));
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    expect(blocks.some(({ language }) => language === 'tsx')).toBe(true);
    const files = new Map(
      blocks.map(({ language, code }, i) => [
        join(root, `test/readme-example-${i}.${language}`),
        `export {};\n${code}`,
      ]),
    );
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      jsx: ts.JsxEmit.ReactJSX,
      // Every entry point, from the source (as rollup.config.mjs maps them).
      paths: Object.fromEntries(
        Object.entries({
          '': 'index.ts',
          '/core': 'core.ts',
          '/heartbeat': 'features/heartbeat.ts',
          '/network': 'features/network.ts',
          '/page': 'features/page.ts',
          '/preflight': 'resolution/feature.ts',
          '/discovery': 'resolution/discovery.ts',
          '/delivery': 'features/delivery/index.ts',
          '/tabs': 'tabs/index.ts',
          '/react': 'bindings/react.ts',
          '/vue': 'bindings/vue.ts',
          '/svelte': 'bindings/svelte.ts',
        }).map(([entry, file]) => [`resilient-ws${entry}`, [join(root, 'src', file)]]),
      ),
    };
    const problems = typeProblems(files, options);
    expect(problems).toEqual([]);
  });
});
