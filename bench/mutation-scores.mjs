// Mutation scores per folder and per file, from Stryker's JSON reports (reports/mutation*.json):
// `npm run mutate` (or one folder: `npm run mutate -- --mutate 'src/core/**/*.ts'`), then
// `node bench/mutation-scores.mjs [report.json …]`. Several reports (one per folder's run) are
// merged; for a file in more than one, the newest report wins.
//
// The score is Stryker's: (killed + timeout) / (killed + timeout + survived + no coverage); the
// score of covered leaves out the mutants no unit test runs (the Redis clients). Mutants ignored (message text, see stryker-ignore-messages.mjs) are not counted; compile errors
// neither. `--survivors` lists each survived mutant by file, line and replacement.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const listSurvivors = args.includes('--survivors');
let files = args.filter((arg) => !arg.startsWith('--'));
if (files.length === 0) {
  files = readdirSync('reports')
    .filter((name) => /^mutation.*\.json$/.test(name))
    .map((name) => path.join('reports', name));
}
files.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);

/** @type {Map<string, { mutants: any[] }>} */
const byFile = new Map();
for (const file of files) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const [name, result] of Object.entries(report.files)) byFile.set(name, result);
}
if (byFile.size === 0) {
  console.error('No mutation report: run `npm run mutate` first.');
  process.exit(1);
}

const counted = ['Killed', 'Timeout', 'Survived', 'NoCoverage'];
const tally = () => ({ Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, other: 0 });
const score = (t) => {
  const total = counted.reduce((sum, key) => sum + t[key], 0);
  return total === 0 ? 'n/a' : `${((100 * (t.Killed + t.Timeout)) / total).toFixed(2)} %`;
};
// Of the mutants some unit test runs (no coverage left out): what the tests that run the code catch.
const covered = (t) => score({ ...t, NoCoverage: 0 });
const row = (name, t) =>
  `| ${name} | ${counted.reduce((sum, key) => sum + t[key], 0)} | ${t.Killed} | ${t.Timeout} | ${t.Survived} | ${t.NoCoverage} | ${t.Ignored} | ${score(t)} | ${covered(t)} |`;
const header = [
  '| | mutants | killed | timeout | survived | no coverage | ignored (message text) | score | score of covered |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
const folderOf = (name) => {
  const parts = name.split('/');
  // src/features/delivery is a folder of its own (its goal differs from the rest of features).
  return parts.slice(0, parts[1] === 'features' && parts.length > 3 ? 3 : 2).join('/');
};

const folders = new Map();
const perFile = [];
const survivors = [];
for (const [name, { mutants }] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
  const t = tally();
  for (const mutant of mutants) {
    if (mutant.status in t) t[mutant.status] += 1;
    else t.other += 1;
    if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
      const { line, column } = mutant.location.start;
      survivors.push(`${name}:${line}:${column} ${mutant.status} ${mutant.mutatorName}: ${mutant.replacement ?? ''}`);
    }
  }
  perFile.push(row(name, t));
  const folder = folderOf(name);
  const f = folders.get(folder) ?? tally();
  for (const key of Object.keys(t)) f[key] += t[key];
  folders.set(folder, f);
}
const all = tally();
for (const f of folders.values()) for (const key of Object.keys(f)) all[key] += f[key];

console.log(
  ['### Per folder', '', ...header, ...[...folders].map(([name, t]) => row(name, t)), row('all', all)].join('\n'),
);
console.log(['', '### Per file', '', ...header, ...perFile].join('\n'));
if (listSurvivors) console.log(['', '### Survived and not covered', '', ...survivors].join('\n'));
