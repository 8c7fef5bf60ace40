/**
 * Pre-built workflow bundles. Bundling workflow code with webpack inside the worker costs ~2–3 s
 * and leaves ~120 MB of resident memory behind (measured: idle worker 360 MB bundling itself,
 * 241 MB loading a pre-built bundle). Temporal recommends pre-bundling for production, so `npm start`
 * builds the bundle once and hands its path to the worker (`REPORTFLOW_WORKFLOW_BUNDLE`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { readFile } from 'node:fs/promises';
import { WORKFLOW_TRACING_MODULE } from './tracing.js';
import { workflowsPath } from './worker.js';

/** A class only the tracing workflow interceptors define: how a bundle shows it was built with them. */
const TRACING_MARK = 'OpenTelemetryInboundInterceptor';

/**
 * Bundles workflows/index.ts into `outPath` (JavaScript, with an inline source map); with `tracing`,
 * the tracing workflow interceptors go in too (temporal/tracing.ts): a bundle serves either a worker
 * that traces or one that does not.
 * @returns the bundle's size in bytes.
 */
export async function writeWorkflowBundle(outPath: string, options: { tracing?: boolean } = {}): Promise<number> {
  const { code } = await bundleWorkflowCode({ workflowsPath, ...(options.tracing ? { workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] } : {}) });
  await mkdir(path.dirname(outPath), { recursive: true });
  await writeFile(outPath, code);
  return Buffer.byteLength(code);
}

/** True when the bundle at `codePath` was built with the tracing interceptors exactly when `tracing` is wanted. */
export async function bundleFitsTracing(codePath: string, tracing: boolean): Promise<boolean> {
  return (await readFile(codePath, 'utf8')).includes(TRACING_MARK) === tracing;
}
