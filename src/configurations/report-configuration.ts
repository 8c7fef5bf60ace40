/**
 * A saved report configuration (a preset): a name and the fields of a report generate request that a
 * run by `report_configuration_id` starts from. Times are ISO-8601 UTC.
 */

/**
 * The preset's request fields in the request body's wire form (snake_case, see `CREATE_REQUEST_BODY`
 * in src/api/report-requests/body-schema.ts), checked by the API before it is stored. Kept in the client's own terms so a
 * run's body merges over it field by field, and the preset reads back as it was written.
 */
export type StoredPreset = Record<string, unknown>;

export interface ReportConfiguration {
  id: string;
  tenantId: string;
  name: string;
  /** The preset's `report_code` (also inside `preset`), for filtering lists. */
  reportCode: string;
  preset: StoredPreset;
  /** 1 when created, +1 per change. */
  version: number;
  createdAt: string;
  updatedAt: string;
}
