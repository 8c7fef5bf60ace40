/**
 * The workflow bundle's entry point: re-exports only.
 */
export { generateReport } from './generate-report.js';
export { scheduledReport } from './scheduled-report.js';
export { deliverWebhook } from './deliver-webhook.js';
export { bulkReport } from './bulk-report.js';
