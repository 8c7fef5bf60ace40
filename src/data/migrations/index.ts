/**
 * Every migration, in the order they run. Append new ones at the end with the next number; never
 * reorder, rename or edit one that has shipped (databases record them by id).
 */
import type { Migration } from './migration.js';
import { migration as retailSchema } from './0001-retail-schema.js';
import { migration as retailSeed } from './0002-retail-seed.js';
import { migration as chinook } from './0003-chinook.js';
import { migration as reportflowSchema } from './0004-reportflow-schema.js';
import { migration as subscriptions } from './0005-subscriptions.js';
import { migration as reportRecords } from './0006-report-records.js';
import { migration as subscriptionLedger } from './0007-subscription-ledger.js';
import { migration as requestExecution } from './0008-request-execution.js';
import { migration as webhookDeliveries } from './0009-webhook-deliveries.js';
import { migration as reportConfigurations } from './0010-report-configurations.js';
import { migration as subscriptionConfigurations } from './0011-subscription-configurations.js';
import { migration as templates } from './0012-templates.js';

export type { Migration, MigrationContext } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [retailSchema, retailSeed, chinook, reportflowSchema, subscriptions, reportRecords, subscriptionLedger, requestExecution, webhookDeliveries, reportConfigurations, subscriptionConfigurations, templates];
