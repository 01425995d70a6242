// The lifecycle table against the README's diagram and matrix, every state times every input,
// and the rules the table must keep whatever its cells say.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Input, lifecycle, type Phase, phases, transition } from '../../src/core/machine';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('<!-- lifecycle:start -->'), readme.indexOf('<!-- lifecycle:end -->'));
const inputs = Object.keys(lifecycle) as Input[];
// The inputs an attempt produces, drawn from the diagram's `attempt` choice.
const attemptInputs: Input[] = ['resolve', 'dial', 'hold'];

// The README matrix: input → the cell text for each state.
function matrix(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  const lines = section.split('\n').filter((line) => line.startsWith('| '));
  const header = (lines[0] as string)
    .split('|')
    .slice(2, -1)
    .map((cell) => cell.trim());
  expect(header).toEqual(phases);
  for (const line of lines.slice(1)) {
    const [, name, ...cells] = line.split('|').map((cell) => cell.trim());
    rows.set((name as string).replace(/`/g, ''), cells.slice(0, -1));
  }
  return rows;
}

// The README diagram: "from --> to" → the inputs on that edge.
function diagram(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const [, from, to, labels] of section.matchAll(/^ {2}(\w+) --> (\w+): (.+)$/gm)) {
    edges.set(`${from} --> ${to}`, (labels as string).split(', '));
  }
  return edges;
}

const cellText = (phase: Phase, input: Input) => {
  const [next, ...effects] = transition(phase, input);
  return !next && !effects.length ? '—' : [next ? `→ ${next}` : '', ...effects].filter(Boolean).join(' ');
};

describe('the lifecycle table', () => {
  it('has a cell for every state and every input', () => {
    expect(inputs).toHaveLength(18);
    for (const input of inputs) expect(lifecycle[input], input).toHaveLength(phases.length);
    for (const input of inputs) for (const cell of lifecycle[input]) expect(Array.isArray(cell)).toBe(true);
  });

  // One documentation check, not one test per cell: every cell of the README's matrix is the
  // table's, and a mismatch names each cell that differs.
  it("matches the README's matrix, cell by cell", () => {
    const rows = matrix();
    const differ: string[] = [];
    for (const input of inputs) {
      for (const phase of phases) {
        const said = rows.get(input)?.[phases.indexOf(phase)];
        const is = cellText(phase, input);
        if (said !== is) differ.push(`${input} in ${phase}: README says ${said ?? 'nothing'}, the table ${is}`);
      }
    }
    expect(differ).toEqual([]);
    expect(rows.size).toBe(inputs.length);
  });

  it("draws every change of state, and only those, in the README's diagram", () => {
    const drawn = diagram();
    const expected = new Map<string, string[]>();
    const add = (edge: string, input: Input) =>
      expected.set(edge, [...new Set([...(expected.get(edge) ?? []), input])]);
    for (const input of inputs) {
      for (const phase of phases) {
        const [next, ...effects] = transition(phase, input);
        if (attemptInputs.includes(input)) add(`attempt --> ${next}`, input);
        else {
          if (effects.includes('restart') || effects.includes('proceed')) add(`${phase} --> attempt`, input);
          if (next && next !== phase) add(`${phase} --> ${next}`, input);
        }
      }
    }
    expect(Object.fromEntries(drawn)).toEqual(Object.fromEntries(expected));
  });

  it('leaves closed only by connect, and closing only by its socket ending (or a restart)', () => {
    for (const input of inputs) {
      const [next, ...effects] = transition('closed', input);
      if (attemptInputs.includes(input)) continue;
      if (input === 'connect') expect(effects).toEqual(['restart']);
      else expect([next, ...effects], input).toEqual([undefined]);
    }
    for (const input of inputs) {
      const [next] = transition('closing', input);
      if (!attemptInputs.includes(input) && next) expect(input).toBe('ended');
    }
  });

  it('disposes the features on every way into closed or failed, and drops the queue unless it is empty already', () => {
    for (const input of inputs) {
      for (const phase of phases) {
        const [next, ...effects] = transition(phase, input);
        if (next === 'failed' || (next === 'closed' && phase !== 'closed')) {
          expect(effects, `${phase} + ${input}`).toContain('dispose');
          if (phase !== 'closing') expect(effects, `${phase} + ${input}`).toContain('drop');
        }
      }
    }
  });

  it('starts work only from states that have none running, or cancels it first', () => {
    // An attempt is started by restart (which abandons the socket and cancels first) or by the
    // retry timer in waiting, where nothing else runs.
    for (const input of inputs) {
      for (const phase of phases) {
        const [, ...effects] = transition(phase, input);
        if (effects.includes('proceed')) expect(phase).toBe('waiting');
        if (effects.includes('shut')) expect(effects.indexOf('cancel')).toBeLessThan(effects.indexOf('shut'));
      }
    }
  });

  it('emits close through report only, after the state has changed', () => {
    for (const input of inputs) {
      for (const phase of phases) {
        const [next, ...effects] = transition(phase, input);
        if (effects.includes('report')) expect(next, `${phase} + ${input}`).toBeDefined();
      }
    }
  });
});
