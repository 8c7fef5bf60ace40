/**
 * The lifecycle of a report run, as shown by the API, the workflow query and the search attributes.
 * Sandbox-safe.
 */
import type { ExportedReport } from './artifacts.js';

/** PENDING: accepted, no stage started yet. RUNNING: a stage is under way. The rest are final. */
export const RUN_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The workflow's stages, in order; each is one activity. */
export const STAGES = ['VALIDATE', 'QUERY_DATA', 'RENDER', 'EXPORT', 'NOTIFY'] as const;
export type Stage = (typeof STAGES)[number];

/** One field-level problem: `field` is a dotted path into the request (e.g. `parameter_values.invoice_id`). */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** Why a run failed: a stable code from `ERROR_CODES`, a safe message, and field-level details. */
export interface RunError {
  code: string;
  message: string;
  errors: FieldError[];
}

/** The error of a run cancelled before it finished (recorded, queried and shown alike wherever a run ends CANCELLED). */
export function runCancelledError(): RunError {
  return { code: 'RUN_CANCELLED', message: 'The run was cancelled before it finished.', errors: [] };
}

/** What the `status` query returns and what the workflow returns when it ends. */
export interface RunState {
  status: RunStatus;
  stage: Stage | null;
  report?: ExportedReport;
  error?: RunError;
  /**
   * Set when the run's webhook could not be delivered (rejected with a 4xx, or retries exhausted).
   * The run's own outcome stands: a SUCCEEDED report stays downloadable.
   */
  notifyError?: RunError;
  /** ISO-8601 instants of each stage's start, for progress display. */
  stageStartedAt: Partial<Record<Stage, string>>;
}
