// The source has no import cycles: each module can be read, tested and tree-shaken on its own.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(__dirname, '../../src');

function modules(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(src, { recursive: true }) as string[]) {
    if (!file.endsWith('.ts')) continue;
    const text = readFileSync(join(src, file), 'utf8');
    const imports = [...text.matchAll(/from '(\.[^']+)'/g)].map(([, path]) =>
      normalize(join(dirname(file), `${path}.ts`)),
    );
    graph.set(normalize(file), imports);
  }
  return graph;
}

describe('imports', () => {
  it('form no cycle', () => {
    const graph = modules();
    expect(graph.size).toBeGreaterThan(10);
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      for (const next of graph.get(file) ?? []) {
        if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(' → '));
        else visit(next, [...path, next]);
      }
    };
    for (const file of graph.keys()) visit(file, [file]);
    expect(cycles).toEqual([]);
  });
});
