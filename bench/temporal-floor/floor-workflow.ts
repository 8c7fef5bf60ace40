/**
 * The least a durable, visible report run asks of Temporal (bench/temporal-floor/measure.ts): started by a
 * client, its state shown as two search-attribute upserts (RUNNING in VALIDATE, then SUCCEEDED), one local
 * activity for its work, its result returned. No data, no render, no records: what is left is Temporal's
 * own cost per run, which every reportflow run pays at least.
 */
import { proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import { SA_STAGE, SA_STATUS } from '../../src/domain/search-attributes.js';

/** The one local activity: returns its input. */
export interface FloorActivities {
  work(id: string): Promise<string>;
}

const { work } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });

/** @returns `id`, through the local activity. */
export async function floorRun(id: string): Promise<string> {
  upsertSearchAttributes([{ key: SA_STATUS, value: 'RUNNING' }, { key: SA_STAGE, value: 'VALIDATE' }]);
  const result = await work(id);
  upsertSearchAttributes([{ key: SA_STATUS, value: 'SUCCEEDED' }]);
  return result;
}
