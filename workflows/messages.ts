/**
 * The names clients use to talk to report workflows: the workflow types and their queries.
 * Imported by the API (as values) and by the workflow code.
 */
import { defineQuery } from '@temporalio/workflow';
import type { BulkState } from '../src/domain/bulk-request.js';
import type { RunState } from '../src/domain/run-status.js';

/** Workflow type name of one report run. */
export const GENERATE_REPORT_WORKFLOW = 'generateReport';

/** Workflow type name of one webhook delivery (the run's own, or a redelivery). */
export const DELIVER_WEBHOOK_WORKFLOW = 'deliverWebhook';

/** Current status, stage, and (once done) the report or the error. */
export const statusQuery = defineQuery<RunState>('status');

/** A bulk run's counts so far (see workflows/bulk-report.ts). */
export const bulkStateQuery = defineQuery<BulkState>('bulkState');
