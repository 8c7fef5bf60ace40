/**
 * Report configurations in PostgreSQL (`reportflow.report_configurations`, migration 0010). Every
 * read and write is scoped by tenant: another tenant's id reads as missing, as does a deleted one.
 */
import type { Database, Row } from '../data/database.js';
import { createdAtPage } from '../records/created-at-page.js';
import type { Page } from '../records/records.js';
import type { ReportConfiguration, StoredPreset } from './report-configuration.js';

const COLUMNS = 'id, tenant_id, name, report_code, preset, version, created_at, updated_at';

/** What a list may be narrowed to; `limit` defaults to 20. */
export interface ConfigurationFilter {
  reportCode?: string;
  /** Part of the name, any case (`%` and `_` match themselves). */
  name?: string;
  limit?: number;
  cursor?: string;
}

export class ReportConfigurationStore {
  constructor(private readonly db: Database) {}

  /** Inserts version 1; `createdAt`/`updatedAt` are set by the database. */
  async insert(c: Pick<ReportConfiguration, 'id' | 'tenantId' | 'name' | 'reportCode' | 'preset'>): Promise<ReportConfiguration> {
    const rows = await this.db.query(
      `INSERT INTO reportflow.report_configurations (id, tenant_id, name, report_code, preset) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [c.id, c.tenantId, c.name, c.reportCode, JSON.stringify(c.preset)],
    );
    return fromRow(rows[0]!);
  }

  /** The configuration, or undefined when missing, deleted or another tenant's. */
  async get(tenantId: string, id: string): Promise<ReportConfiguration | undefined> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM reportflow.report_configurations WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [tenantId, id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /**
   * One page of the tenant's configurations, oldest first: at most `limit`, after `cursor` (a
   * `nextCursor` of an earlier page), with `total`, the count of all that match. Order and cursor use
   * `created_at` cut to milliseconds, as the cursor carries it, then `id`.
   * @throws ReportError('REQUEST_INVALID') naming `cursor` when it is not one this API issued.
   */
  async list(tenantId: string, filter: ConfigurationFilter = {}): Promise<Page<ReportConfiguration>> {
    const limit = filter.limit ?? 20;
    const where = `tenant_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR report_code = $2)
      AND ($3::text IS NULL OR strpos(lower(name), lower($3)) > 0)`;
    const params = [tenantId, filter.reportCode ?? null, filter.name ?? null];
    return createdAtPage(this.db, { table: 'reportflow.report_configurations', columns: COLUMNS, where, params, limit, ...(filter.cursor !== undefined ? { cursor: filter.cursor } : {}), fromRow });
  }

  /**
   * Replaces name, report code and preset and adds one to the version, but only while the stored
   * version is still `expectedVersion` (the one the change was made from), so two changes made at
   * once never silently drop one of them.
   * @returns the new row; `undefined` when it is missing, deleted or was changed meanwhile.
   */
  async update(tenantId: string, id: string, expectedVersion: number, next: Pick<ReportConfiguration, 'name' | 'reportCode' | 'preset'>): Promise<ReportConfiguration | undefined> {
    const rows = await this.db.query(
      `UPDATE reportflow.report_configurations SET name = $4, report_code = $5, preset = $6, version = version + 1, updated_at = statement_timestamp()
       WHERE tenant_id = $1 AND id = $2 AND version = $3 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
      [tenantId, id, expectedVersion, next.name, next.reportCode, JSON.stringify(next.preset)],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Marks it deleted; true when it existed. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE reportflow.report_configurations SET deleted_at = statement_timestamp(), updated_at = statement_timestamp()
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id`,
      [tenantId, id],
    );
    return rows.length > 0;
  }
}

function fromRow(r: Row): ReportConfiguration {
  const preset = r['preset'];
  return {
    id: r['id'] as string,
    tenantId: r['tenant_id'] as string,
    name: r['name'] as string,
    reportCode: r['report_code'] as string,
    // jsonb arrives parsed from pg; tolerate text from other drivers.
    preset: (typeof preset === 'string' ? JSON.parse(preset) : preset) as StoredPreset,
    version: Number(r['version']),
    createdAt: (r['created_at'] as Date).toISOString(),
    updatedAt: (r['updated_at'] as Date).toISOString(),
  };
}
