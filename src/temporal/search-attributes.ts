/**
 * Registration of reportflow's custom search attributes (src/domain/search-attributes.ts) with a
 * Temporal server: as dev-server flags, or through the operator service for a server that is
 * already running. Workflows upsert these attributes, and a workflow task that upserts an
 * unregistered one fails, so they must exist before the first run.
 */
import type { SearchAttributeType } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from '../domain/search-attributes.js';

/**
 * `temporal.api.enums.v1.IndexedValueType` numbers for each SDK type. Spelled out because the proto
 * package is not a direct dependency; the numbers are part of Temporal's wire API and never change.
 */
const INDEXED_VALUE_TYPES: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/** Spelling of each type in `temporal server start-dev --search-attribute Name=Type`. */
const DEV_SERVER_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** Dev-server flags registering every attribute: `['--search-attribute', 'ReportTenant=Keyword', …]`. */
export function devServerSearchAttributeArgs(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${DEV_SERVER_TYPE_NAMES[key.type]}`]);
}

/** The part of a client `Connection` or worker `NativeConnection` used here. */
export interface OperatorConnection {
  operatorService: {
    listSearchAttributes(req: { namespace: string }): Promise<{ customAttributes?: Record<string, unknown> | null }>;
    addSearchAttributes(req: { namespace: string; searchAttributes: Record<string, number> }): Promise<unknown>;
  };
}

/**
 * Adds the attributes `namespace` does not have yet; attributes that exist are left alone, and an
 * "already exists" answer from a concurrent registration (another worker starting) counts as success.
 * @returns the names that were added (empty when all existed).
 * @throws Error from the operator service otherwise (Temporal Cloud refuses it: create the
 *   attributes there with `tcld` or the Cloud UI).
 */
export async function registerSearchAttributes(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPES[key.type]])),
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  return missing.map((key) => key.name);
}

/** gRPC status 6 (ALREADY_EXISTS). */
function isAlreadyExists(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 6;
}
