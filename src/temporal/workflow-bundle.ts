/**
 * Pre-built workflow bundles. Bundling workflow code with webpack inside the worker costs ~2–3 s
 * and leaves ~120 MB of resident memory behind (measured: idle worker 360 MB bundling itself,
 * 241 MB loading a pre-built bundle). Temporal recommends pre-bundling for production, so `npm start`
 * builds the bundle once and hands its path to the worker (`REPORTFLOW_WORKFLOW_BUNDLE`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './worker.js';

/**
 * Bundles workflows/index.ts into `outPath` (JavaScript, with an inline source map).
 * @returns the bundle's size in bytes.
 */
export async function writeWorkflowBundle(outPath: string): Promise<number> {
  const { code } = await bundleWorkflowCode({ workflowsPath });
  await mkdir(path.dirname(outPath), { recursive: true });
  await writeFile(outPath, code);
  return Buffer.byteLength(code);
}
