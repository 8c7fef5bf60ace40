/**
 * `npm run bundle [out]`: writes the pre-built workflow bundle for production workers
 * (default `var/workflow-bundle.js`); start them with `REPORTFLOW_WORKFLOW_BUNDLE=<out>`.
 */
import path from 'node:path';
import { loadConfig } from '../src/config/settings.js';
import { writeWorkflowBundle } from '../src/temporal/workflow-bundle.js';

const config = loadConfig();
const out = path.resolve(process.argv[2] ?? path.join(config.varDir, 'workflow-bundle.js'));
const bytes = await writeWorkflowBundle(out);
console.log(`workflow bundle: ${out} (${(bytes / 1024).toFixed(0)} KiB)`);
