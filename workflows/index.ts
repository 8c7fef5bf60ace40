/**
 * The workflow bundle's entry point: re-exports only.
 */
export { generateReport } from './generate-report.js';
