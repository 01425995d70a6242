// Adds up the vitest JSON reports in test-results/ into one line, "N passed, N failed, N skipped",
// and counts as failed every skip that is not an engine lacking what a test needs: a browser that
// did not launch, a Redis that is missing, or a feature no engine of the run covers would
// otherwise turn tests into skips and leave the line reading "0 failed".

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// The title a browser test gets in an engine that lacks what it needs (test/browser/suite.ts):
// "<name> (not in <Engine>: <why>)". Such a skip is expected only where the same test passed in
// another engine of the run.
const engineSkip = /^(.*) \(not in [\w ]+: .*\)$/;

/**
 * Sums reports (parsed vitest JSON). A skipped test counts as skipped when its title is an
 * engine's named skip and the same test passed elsewhere in its file; any other skip counts as
 * failed, with why in `unexpected`.
 */
export function summarize(reports) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const unexpected = [];
  for (const report of reports) {
    for (const file of report.testResults ?? []) {
      const results = file.assertionResults ?? [];
      const ran = new Set(
        results.filter((test) => test.status === 'passed').map((test) => test.title.replace(engineSkip, '$1')),
      );
      for (const test of results) {
        if (test.status === 'passed') passed++;
        else if (test.status === 'failed') failed++;
        else {
          const covered = engineSkip.exec(test.title);
          if (covered && ran.has(covered[1])) skipped++;
          else {
            failed++;
            unexpected.push(`${file.name}: ${test.fullName}`);
          }
        }
      }
    }
  }
  return { passed, failed, skipped, unexpected };
}

/** The reports in `directory`, parsed. */
export function readReports(directory) {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(`${directory}/${file}`, 'utf8')));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const status = Number(process.argv[2] ?? 0);
  const { passed, failed, skipped, unexpected } = summarize(readReports('test-results'));
  for (const name of unexpected) console.log(`skipped, and nothing covers it: ${name}`);
  // Tests run again in a new browser after the browser's page process died (test/browser/suite.ts).
  const lost = existsSync('test-results/browser-lost.txt') ? readFileSync('test-results/browser-lost.txt', 'utf8') : '';
  for (const name of lost.split('\n').filter(Boolean))
    console.log(`ran again, the browser having lost its page: ${name}`);
  // A failing check outside the test runners (lint, types, size, packaging) counts as one failure.
  const total = status !== 0 && failed === 0 ? 1 : failed;
  console.log(`${passed} passed, ${total} failed, ${skipped} skipped`);
  process.exit(status !== 0 || total > 0 ? 1 : 0);
}
