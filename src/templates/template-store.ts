/**
 * Tenant templates in PostgreSQL (migration 0012): the current row in `reportflow.templates`, every
 * version's spec in `reportflow.template_versions`. Every read and write is scoped by tenant: another
 * tenant's id reads as missing, as does a deleted one (except `version`, which a run that recorded a
 * version still reads after a delete).
 */
import type { Database, Queryable, Row } from '../data/database.js';
import { createdAtPage } from '../records/created-at-page.js';
import type { Page } from '../records/records.js';
import type { Template, TemplateSpec } from './template.js';

const COLUMNS = 't.id, t.tenant_id, t.version, v.spec, t.created_at, t.updated_at';
const FROM = 'reportflow.templates t JOIN reportflow.template_versions v ON v.template_id = t.id AND v.version = t.version';

/** What a list may be narrowed to; `limit` defaults to 20. */
export interface TemplateFilter {
  dataset?: string;
  /** Part of the name, any case. */
  name?: string;
  limit?: number;
  cursor?: string;
}

export class TemplateStore {
  constructor(private readonly db: Database) {}

  /** Inserts version 1 of a new template. */
  async insert(id: string, tenantId: string, spec: TemplateSpec): Promise<Template> {
    await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO reportflow.templates (id, tenant_id, name, dataset) VALUES ($1, $2, $3, $4)', [id, tenantId, spec.name, spec.dataset]);
      await tx.query('INSERT INTO reportflow.template_versions (template_id, version, spec) VALUES ($1, 1, $2)', [id, JSON.stringify(spec)]);
    });
    return (await this.get(tenantId, id))!;
  }

  /** The current version, or undefined when missing, deleted or another tenant's. */
  async get(tenantId: string, id: string, db: Queryable = this.db): Promise<Template | undefined> {
    const rows = await db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE t.tenant_id = $1 AND t.id = $2 AND t.deleted_at IS NULL`, [tenantId, id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Version `version` of the tenant's template, deleted or not (a run renders the version it recorded); undefined when there is none. */
  async version(tenantId: string, id: string, version: number): Promise<TemplateSpec | undefined> {
    const rows = await this.db.query(
      `SELECT v.spec FROM reportflow.template_versions v JOIN reportflow.templates t ON t.id = v.template_id WHERE t.tenant_id = $1 AND t.id = $2 AND v.version = $3`,
      [tenantId, id, version],
    );
    return rows[0] ? specOf(rows[0]) : undefined;
  }

  /**
   * One page of the tenant's templates, oldest first, with `total` (see src/records/created-at-page.ts).
   * @throws ReportError('REQUEST_INVALID') naming `cursor` when it is not one this API issued.
   */
  async list(tenantId: string, filter: TemplateFilter = {}): Promise<Page<Template>> {
    const where = `t.tenant_id = $1 AND t.deleted_at IS NULL AND ($2::text IS NULL OR t.dataset = $2) AND ($3::text IS NULL OR strpos(lower(t.name), lower($3)) > 0)`;
    const params = [tenantId, filter.dataset ?? null, filter.name ?? null];
    return createdAtPage(this.db, { table: FROM, columns: COLUMNS, where, params, limit: filter.limit ?? 20, ...(filter.cursor !== undefined ? { cursor: filter.cursor } : {}), fromRow });
  }

  /**
   * Adds version n+1 with `spec` and makes it current; earlier versions stay. The row is locked
   * meanwhile, so two changes at once make two versions, never one lost.
   * @returns the new current version; undefined when missing, deleted or another tenant's.
   */
  async addVersion(tenantId: string, id: string, spec: TemplateSpec): Promise<Template | undefined> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE reportflow.templates SET version = version + 1, name = $3, dataset = $4, updated_at = statement_timestamp()
         WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING version`,
        [tenantId, id, spec.name, spec.dataset],
      );
      if (!rows[0]) return undefined;
      await tx.query('INSERT INTO reportflow.template_versions (template_id, version, spec) VALUES ($1, $2, $3)', [id, rows[0]['version'], JSON.stringify(spec)]);
      return this.get(tenantId, id, tx);
    });
  }

  /**
   * What names template `id` of `tenantId` and would stop running without it: the ids of report
   * configurations (`preset.template_id`) and of subscriptions (`template.templateId`, set for those
   * that name it themselves and for those following such a configuration), not deleted.
   */
  async usedBy(tenantId: string, id: string): Promise<{ configurations: string[]; subscriptions: string[] }> {
    const [configurations, subscriptions] = await Promise.all([
      this.db.query(`SELECT id FROM reportflow.report_configurations WHERE tenant_id = $1 AND deleted_at IS NULL AND preset->>'template_id' = $2 ORDER BY created_at, id`, [tenantId, id]),
      this.db.query(`SELECT id FROM reportflow.subscriptions WHERE tenant_id = $1 AND deleted_at IS NULL AND template->>'templateId' = $2 ORDER BY created_at, id`, [tenantId, id]),
    ]);
    return { configurations: configurations.map((r) => r['id'] as string), subscriptions: subscriptions.map((r) => r['id'] as string) };
  }

  /** Marks it deleted; true when it existed. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE reportflow.templates SET deleted_at = statement_timestamp(), updated_at = statement_timestamp() WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id`,
      [tenantId, id],
    );
    return rows.length > 0;
  }
}

function specOf(r: Row): TemplateSpec {
  const spec = r['spec'];
  // jsonb arrives parsed from pg; tolerate text from other drivers.
  return (typeof spec === 'string' ? JSON.parse(spec) : spec) as TemplateSpec;
}

function fromRow(r: Row): Template {
  return {
    id: r['id'] as string,
    tenantId: r['tenant_id'] as string,
    version: Number(r['version']),
    spec: specOf(r),
    createdAt: (r['created_at'] as Date).toISOString(),
    updatedAt: (r['updated_at'] as Date).toISOString(),
  };
}
