// Runs the benchmarks in sequence (all, or those named: `node bench/run.mjs size storm-sim`),
// prints a summary and rewrites bench/RESULTS.md from the latest result of each benchmark
// (`node bench/run.mjs --render` only rewrites it).

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { benchBrowsers } from './lib.mjs';

/** Every benchmark, in running order: its file (bench/<name>.mjs) and what it is about. */
const benchmarks = [
  ['size', 'Bundle size'],
  ['storm-sim', 'Reconnect storm, simulated'],
  ['reconnect', 'Reconnect after a server restart (Node)'],
  ['heartbeat', 'Heartbeat detection (Node)'],
  ['online', 'Back online → open (Node)'],
  ['hostile', 'Hostile servers (Node)'],
  ['memory', 'Memory (Node, child process with --expose-gc)'],
  ['browser-receive', 'Receive path in Chromium and Firefox'],
  ['browser-storm', 'Reconnect storm in Chromium and Firefox'],
  ['browser-storm-pages', 'Reconnect storm across pages, and one client alone, in Chromium'],
  // After browser-receive, whose delivery figure it repeats.
  ['delivery', 'Delivery: envelope bytes, size, receive cost'],
  ['delivery-hostile', 'Delivery against hostile input (Node)'],
  ['react-feed', 'React under a feed of 1,000 messages a second'],
  ['tabs', 'Tabs: one connection for the tabs of a profile, in Chromium'],
];

const resultsDirectory = new URL('./results/', import.meta.url);
const resultsFile = new URL('./RESULTS.md', import.meta.url);
// RESULTS.md from this line on holds figures that tests produce (the delivery chaos test): kept as is.
const keptMarker = '<!-- Figures from tests, not from bench/run.mjs: kept as they are when this file is rewritten. -->';

/** The version of a benchmark browser, or why there is none. */
async function browserVersion({ path, launch }) {
  if (!existsSync(path)) return 'not installed';
  const browser = await launch();
  try {
    return browser.version();
  } finally {
    await browser.close();
  }
}

async function machine() {
  const [chromium, firefox] = benchBrowsers;
  const version = (browser) =>
    browserVersion(browser).catch((error) => `unavailable (${error.message.split('\n')[0]})`);
  return {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    // Other work on the machine skews the in-browser timings; the 1-minute load average says how much.
    load: loadavg()[0],
    chromium: await version(chromium),
    firefox: await version(firefox),
  };
}

// A markdown table with padded columns, as the repo's formatter (Biome) writes them.
function markdownTable(header, rows) {
  const lines = [header, ...rows].map((line) => line.map(cell));
  const widths = header.map((_, column) => Math.max(3, ...lines.map((line) => line[column].length)));
  const format = (line) => `| ${line.map((value, column) => value.padEnd(widths[column])).join(' | ')} |`;
  return [format(lines[0]), format(widths.map((width) => '-'.repeat(width))), ...lines.slice(1).map(format)];
}

const verdict = (pass) => (pass === true ? 'pass' : pass === false ? 'FAIL' : '—');
const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

function printSummary(records) {
  const lines = [['Benchmark', 'Measured', 'Figure', 'Goal', 'Result']];
  for (const { name, result, error } of records) {
    if (error) lines.push([name, 'did not complete', error, '', 'ERROR']);
    else {
      for (const row of result.rows) {
        const measured = row.measured.length > 72 ? `${row.measured.slice(0, 71)}…` : row.measured;
        lines.push([name, measured, row.figure, row.goal, verdict(row.pass)]);
      }
    }
  }
  const widths = lines[0].map((_, column) => Math.max(...lines.map((line) => String(line[column]).length)));
  const format = (line) => line.map((value, column) => String(value).padEnd(widths[column])).join('  ');
  console.log(`\n${format(lines[0])}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const line of lines.slice(1)) console.log(format(line));
}

function section({ name, title, result, error, machine: host, date, seconds }) {
  const lines = [`## ${result?.title ?? title}`, ''];
  lines.push(
    `\`${name}\` · ${date} · Node ${host.node} · ${host.cpus} CPUs (${host.cpuModel})${
      host.load === undefined ? '' : ` · load ${host.load.toFixed(1)}`
    } · Chromium ${host.chromium}${host.firefox ? ` · Firefox ${host.firefox}` : ''} · ${seconds.toFixed(1)} s`,
    '',
  );
  if (error) {
    lines.push(`Did not complete: ${cell(error)}`, '');
    return lines.join('\n');
  }
  // A benchmark run in several browsers has a column of figures for each.
  const figures = result.browsers ?? ['Figure'];
  const rows = result.rows.map((row) => [row.measured, ...(row.figures ?? [row.figure]), row.goal, verdict(row.pass)]);
  lines.push(...markdownTable(['Measured', ...figures, 'Goal', 'Result'], rows));
  if (result.notes?.length) lines.push('', ...result.notes.map((note) => `- ${note}`));
  lines.push('');
  return lines.join('\n');
}

// Rewrites RESULTS.md from the stored result of every benchmark that has one.
async function writeResults() {
  const records = [];
  for (const [name] of benchmarks) {
    const file = new URL(`${name}.json`, resultsDirectory);
    if (existsSync(file)) records.push(JSON.parse(await readFile(file, 'utf8')));
  }
  const summary = [];
  for (const { name, result, error } of records) {
    if (error) summary.push([name, 'did not complete', error, '', 'ERROR']);
    for (const row of result?.rows ?? []) {
      if (row.pass !== null) summary.push([name, row.measured, row.figure, row.goal, verdict(row.pass)]);
    }
  }
  const text = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (`npm run build && node bench/run.mjs`); `node bench/run.mjs <name>…` reruns some and ' +
      'keeps the others. Each section names the machine and date of its own run. Goals are targets, reported as measured.',
    '',
    '## Summary (rows with a goal)',
    '',
    ...markdownTable(['Benchmark', 'Measured', 'Figure', 'Goal', 'Result'], summary),
    '',
    ...records.map(section),
  ].join('\n');
  const previous = existsSync(resultsFile) ? await readFile(resultsFile, 'utf8') : '';
  const kept = previous.includes(keptMarker) ? previous.slice(previous.indexOf(keptMarker)) : '';
  await writeFile(resultsFile, kept ? `${text}\n${kept}` : text);
}

async function main() {
  const known = new Map(benchmarks);
  const asked = process.argv.slice(2);
  // `--render`: rewrite RESULTS.md from bench/results/*.json alone (after editing a result's notes).
  if (asked.includes('--render')) {
    await writeResults();
    return 0;
  }
  const unknown = asked.filter((name) => !known.has(name));
  if (unknown.length) {
    console.error(`Unknown benchmark: ${unknown.join(', ')}. Known: ${[...known.keys()].join(', ')}.`);
    return 2;
  }
  const selected = benchmarks.filter(([name]) => !asked.length || asked.includes(name));
  const host = await machine();
  console.log(
    `Node ${host.node}, ${host.cpus} CPUs (${host.cpuModel}), Chromium ${host.chromium}, Firefox ${host.firefox}`,
  );
  await mkdir(resultsDirectory, { recursive: true });
  const records = [];
  for (const [name, title] of selected) {
    console.log(`\n▶ ${name}: ${title}`);
    const started = performance.now();
    const record = { name, title, machine: host, date: new Date().toISOString() };
    try {
      const { run } = await import(`./${name}.mjs`);
      record.result = await run();
      for (const row of record.result.rows) console.log(`  ${row.measured}: ${row.figure} [${verdict(row.pass)}]`);
    } catch (error) {
      record.error = error.message;
      console.error(`  ${name} did not complete:`, error);
    }
    record.seconds = (performance.now() - started) / 1000;
    console.log(`  (${record.seconds.toFixed(1)} s)`);
    records.push(record);
    await writeFile(new URL(`${name}.json`, resultsDirectory), `${JSON.stringify(record, null, 2)}\n`);
  }
  printSummary(records);
  await writeResults();
  console.log(`\nWrote ${resultsFile.pathname}`);
  return records.some((record) => record.error) ? 1 : 0;
}

// Exit explicitly: a pooled keep-alive connection (fetch) must not hold the process open.
main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
