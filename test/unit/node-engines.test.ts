/**
 * Node.js lines: package.json `engines` names the supported LTS lines, and no installed package
 * (dependencies and dev dependencies alike: tests run on every line) refuses the lowest version of
 * any of them, as npm's engine check would (package-lock.json records each package's `engines`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import semver from 'semver';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };

/** The first version of each line `engines.node` allows, e.g. 22.13.0, 24.0.0, 26.0.0. */
const lowest = pkg.engines.node.split('||').map((part) => semver.minVersion(part.trim())!.version);

test('engines names the LTS lines 22, 24 and 26, not the ended 20', () => {
  assert.deepEqual(lowest.map((v) => semver.major(v)), [22, 24, 26]);
  assert.ok(!semver.satisfies('20.20.2', pkg.engines.node));
  assert.ok(semver.satisfies(semver.minVersion(pkg.devDependencies.node!)!.version, pkg.engines.node), 'the Node.js npm installs is a supported one');
});

test('no installed package refuses a supported line', () => {
  const refusals: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (!where || !range) continue;
    for (const version of lowest) if (!semver.satisfies(version, range)) refusals.push(`${where.replace(/^node_modules\//, '')} (${range}) refuses ${version}`);
  }
  assert.deepEqual(refusals, []);
});
