/**
 * A report subscription as stored: who, what report, when, and its state. Times are ISO-8601 UTC.
 */
import type { ReportTemplate } from '../domain/subscription-run.js';
import type { SubscriptionSchedule } from '../domain/subscription-schedule.js';

export interface Subscription {
  id: string;
  tenantId: string;
  name?: string;
  /** The report each run asks for; its `timezone` equals `timezone`. */
  template: ReportTemplate;
  schedule: SubscriptionSchedule;
  /** IANA zone of the schedule and of every period. */
  timezone: string;
  /** False while paused (by the client, or automatically after repeated failures). */
  active: boolean;
  /** Why it is paused: the client's note, or `AUTO_PAUSED: …` after repeated failures. */
  pausedReason?: string;
  /** Failed runs since the last successful one. */
  consecutiveFailures: number;
  createdAt: string;
  updatedAt: string;
}

/** Fields a PATCH may change. */
export type SubscriptionChanges = Partial<Pick<Subscription, 'name' | 'template' | 'schedule' | 'timezone'>>;
