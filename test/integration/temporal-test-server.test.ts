/**
 * The tests' own dev-server start (test/helpers/temporal.ts) against the two ways a start failed under
 * CI's load: a server slower than the SDK's 5 s to listen, and a server that exits before it listens.
 * Each runs the real `temporal` CLI behind a wrapper script (TEMPORAL_CLI_PATH) that delays or fails it.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/settings.js';
import { findTemporalCli } from '../../src/setup/temporal-cli.js';
import { startTemporalTestServer } from '../helpers/temporal.js';

let dir: string;
let realCli: string;
const savedCliPath = process.env.TEMPORAL_CLI_PATH;

before(async () => {
  const config = loadConfig();
  const cli = await findTemporalCli(config.home, config.temporalCliPath, process.env.PATH);
  assert.ok(cli, 'needs a temporal CLI binary (see test/helpers/temporal.ts)');
  realCli = cli.path;
  dir = await mkdtemp(path.join(tmpdir(), 'reportflow-test-server-'));
});
afterEach(() => {
  if (savedCliPath === undefined) delete process.env.TEMPORAL_CLI_PATH;
  else process.env.TEMPORAL_CLI_PATH = savedCliPath;
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A CLI wrapper: `body` runs first (with $STARTS counting its calls), then the real CLI takes over. */
async function wrapper(name: string, body: string): Promise<{ path: string; starts: () => Promise<number> }> {
  const starts = path.join(dir, `${name}.starts`);
  const script = path.join(dir, name);
  await writeFile(script, `#!/bin/sh\necho x >> '${starts}'\nSTARTS=$(wc -l < '${starts}')\n${body}\nexec '${realCli}' "$@"\n`);
  await chmod(script, 0o755);
  return { path: script, starts: async () => (await readFile(starts, 'utf8')).split('\n').filter(Boolean).length };
}

/** Whether a TCP connection to `host:port` is accepted. */
async function listening(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return await new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** A workflow-service call that only a listening server answers. */
async function namespaceOf(env: Awaited<ReturnType<typeof startTemporalTestServer>>): Promise<string | undefined> {
  const answer = await env.client.workflowService.describeNamespace({ namespace: 'default' });
  return answer.namespaceInfo?.name ?? undefined;
}

test('a dev server that takes longer than the SDK\'s 5 s to listen is waited for, and teardown stops it', async () => {
  const slow = await wrapper('slow', 'sleep 7');
  process.env.TEMPORAL_CLI_PATH = slow.path;
  const env = await startTemporalTestServer();
  try {
    assert.equal(await namespaceOf(env), 'default');
    assert.equal(await slow.starts(), 1);
  } finally {
    await env.teardown();
  }
  assert.equal(await listening(env.address), false, `nothing listens on ${env.address} after teardown`);
});

test('a dev server that exits before it listens is started again, and the next start serves', async () => {
  const flaky = await wrapper('flaky', 'if [ "$STARTS" -eq 1 ]; then echo "bind: address already in use" >&2; exit 1; fi');
  process.env.TEMPORAL_CLI_PATH = flaky.path;
  const env = await startTemporalTestServer();
  try {
    assert.equal(await namespaceOf(env), 'default');
    assert.equal(await flaky.starts(), 2);
  } finally {
    await env.teardown();
  }
});
