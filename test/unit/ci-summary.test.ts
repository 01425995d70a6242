// @vitest-environment node
// The CI's closing line: passed, failed and skipped tests from the vitest reports, where a skip
// that no engine of the run covers is a failure. And the property test's run count, which an
// empty PROPERTY_RUNS must not bring to 0.

import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the CI, without types
import { summarize } from '../../.ci/summary.mjs';
import { propertyRuns } from './property-runs';

const test = (title: string, status: string) => ({ title, fullName: `suite ${title}`, status });
const report = (...files: { name: string; tests: ReturnType<typeof test>[] }[]) => ({
  testResults: files.map(({ name, tests }) => ({ name, assertionResults: tests })),
});

describe('the CI summary', () => {
  it('adds up every report, and counts an engine skip covered by another engine as skipped', () => {
    const browser = report({
      name: 'offline.test.ts',
      tests: [
        test('goes offline', 'passed'),
        test('goes offline', 'passed'),
        test('goes offline (not in WebKit: no offline emulation over WebDriver classic)', 'skipped'),
        test('comes back', 'failed'),
      ],
    });
    const unit = report({ name: 'a.test.ts', tests: [test('one', 'passed'), test('two', 'passed')] });
    expect(summarize([browser, unit])).toEqual({ passed: 4, failed: 1, skipped: 1, unexpected: [] });
  });

  it('fails a skip that no engine covers: a feature every engine of the run lacks', () => {
    const webkitOnly = report({
      name: 'offline.test.ts',
      tests: [test('goes offline (not in WebKit: no offline emulation)', 'skipped')],
    });
    expect(summarize([webkitOnly])).toMatchObject({ passed: 0, failed: 1, skipped: 0 });
  });

  it('fails any other skip: an engine that did not launch, a service that is missing', () => {
    const dead = report({
      name: 'engines.test.ts',
      tests: [test('opens a socket', 'passed'), test('opens a socket', 'skipped'), test('todo', 'todo')],
    });
    const { failed, unexpected } = summarize([dead]);
    expect(failed).toBe(2);
    expect(unexpected).toEqual(['engines.test.ts: suite opens a socket', 'engines.test.ts: suite todo']);
  });
});

describe('PROPERTY_RUNS', () => {
  it('never makes the property run 0 times', () => {
    expect(propertyRuns(undefined)).toBe(1000);
    expect(propertyRuns('')).toBe(1000);
    expect(propertyRuns('0')).toBe(1000);
    expect(propertyRuns('-5')).toBe(1000);
    expect(propertyRuns('abc')).toBe(1000);
    expect(propertyRuns('50')).toBe(50);
    expect(propertyRuns('', 60)).toBe(60);
  });
});
