// `npm ci` refuses a lock file that names an optional package (another platform's binary) without
// an entry of its own. A registry that lacks one of them makes npm write such a lock, so the lock
// is checked here rather than on a fresh clone.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const root = join(__dirname, '../..');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

// Where npm would look for `name` as seen from the package at `path`: its own node_modules, then
// each parent's, up to the top.
function locate(path: string, name: string): LockEntry | undefined {
  for (let at = path; ; at = at.slice(0, at.lastIndexOf('/node_modules/'))) {
    const entry = lock.packages[`${at ? `${at}/` : ''}node_modules/${name}`];
    if (entry || !at.includes('/node_modules/')) return entry ?? lock.packages[`node_modules/${name}`];
  }
}

describe('package-lock.json', () => {
  it('has a versioned entry for every dependency, optional ones included, so npm ci accepts it', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
        checked++;
        if (!locate(path, name)?.version) missing.push(`${path || '(root)'} → ${name}`);
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });
});
