/**
 * A database for harness workers whose report data comes from the fakes (`FakeDatabase`) and whose
 * service state (`reportflow.*`: subscriptions, their spans and ledger, records) is in a real
 * PostgreSQL. Transactions are the real database's: only the service's own state uses them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database, Queryable, Row } from '../../src/data/database.js';
import { FakeDatabase } from '../workflows/fakes.js';

export class FakeDataRealState extends FakeDatabase {
  /** Holds each write of a scheduled run's outcome (its last step, after its report run ended) this long, in ms. */
  outcomeDelayMs = 0;

  constructor(private readonly real: Database) {
    super();
  }

  override async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    if (this.outcomeDelayMs > 0 && sql.includes('last_outcome_run_id')) await sleep(this.outcomeDelayMs);
    return sql.includes('reportflow.') ? this.real.query<R>(sql, params) : super.query<R>(sql, params);
  }

  override async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.real.transaction(fn);
  }
}
