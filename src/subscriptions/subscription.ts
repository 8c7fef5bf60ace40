/**
 * A report subscription as stored: who, what report, when, and its state. Times are ISO-8601 UTC.
 */
import type { ReportTemplate } from '../domain/subscription-run.js';
import type { SubscriptionSchedule } from '../domain/subscription-schedule.js';

export interface Subscription {
  id: string;
  tenantId: string;
  name?: string;
  /**
   * The report each run asks for; its `timezone` equals `timezone`. For a subscription that follows a
   * configuration, the configuration's preset with `configuration.overrides` merged over it, carrying
   * the configuration's id and the version merged (`reportConfigurationId`, `reportConfigurationVersion`).
   */
  template: ReportTemplate;
  /** The saved report configuration it follows, if any. */
  configuration?: SubscriptionConfiguration;
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

/**
 * A subscription's link to a saved report configuration: each change of the configuration is merged
 * again with `overrides` into the subscription's template and schedule.
 */
export interface SubscriptionConfiguration {
  /** The configuration's id (same tenant). */
  id: string;
  /**
   * The subscription's own report fields, in the request body's wire form (snake_case, as the client
   * sent them): each replaces the preset's field of the same name, whole.
   */
  overrides: Record<string, unknown>;
}

/** Fields a PATCH may change. */
export type SubscriptionChanges = Partial<Pick<Subscription, 'name' | 'template' | 'schedule' | 'timezone' | 'configuration'>>;
