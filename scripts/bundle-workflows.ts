/**
 * `npm run bundle [out]`: writes the pre-built workflow bundle for production workers
 * (default `var/workflow-bundle.js`); start them with `REPORTFLOW_WORKFLOW_BUNDLE=<out>`. Bundled with the
 * tracing interceptors when an OTLP endpoint is set (build it with the workers' OTEL_* settings).
 */
import path from 'node:path';
import { loadConfig, tracingEnabled } from '../src/config/settings.js';
import { writeWorkflowBundle } from '../src/temporal/workflow-bundle.js';

const config = loadConfig();
const out = path.resolve(process.argv[2] ?? path.join(config.varDir, 'workflow-bundle.js'));
const bytes = await writeWorkflowBundle(out, { tracing: tracingEnabled(config) });
console.log(`workflow bundle: ${out} (${(bytes / 1024).toFixed(0)} KiB)`);
