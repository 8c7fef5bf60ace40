/**
 * Loads every report definition under `templates/` once at start.
 * A folder is a report definition when it holds `report.json`; folders starting with `_` are shared
 * assets (partials, CSS, translations).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { REPORT_DEFINITION_SCHEMA, type ReportDefinition, type ReportDefinitionFile } from './report-definition.js';
import { isErrorCode } from '../domain/errors.js';
import { filterDeclarationProblems } from './filters.js';
import { formatSpecProblems } from './format-spec-problems.js';

/** The report catalog: report code → definition. */
export type Catalog = ReadonlyMap<string, ReportDefinition>;

/**
 * Reads and checks all definitions in `templatesDir`.
 * @throws Error naming the file when a definition is malformed, a referenced file is missing,
 *   a code is duplicated, a check names an unknown error code, or a filter or `order_by` does not fit
 *   the columns (see `filterDeclarationProblems`), or per-format settings do not (see `formatSpecProblems`).
 */
export function loadCatalog(templatesDir: string): Catalog {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const check = ajv.compile(REPORT_DEFINITION_SCHEMA);
  const catalog = new Map<string, ReportDefinition>();
  for (const entry of readdirSync(templatesDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('_')) continue;
    const dir = path.resolve(templatesDir, entry.name);
    const file = path.join(dir, 'report.json');
    if (!existsSync(file)) continue;
    const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!check(raw)) throw new Error(`${file}: ${ajv.errorsText(check.errors)}`);
    const def = raw as unknown as ReportDefinitionFile;
    if (catalog.has(def.code)) throw new Error(`${file}: duplicate report code ${def.code}`);
    const sameDataset = def.dataset === undefined ? undefined : [...catalog.values()].find((d) => d.dataset === def.dataset);
    if (sameDataset) throw new Error(`${file}: dataset ${def.dataset} is already offered by report ${sameDataset.code}`);
    for (const c of def.checks ?? []) {
      if (!isErrorCode(c.error_code)) throw new Error(`${file}: check uses unknown error code ${c.error_code}`);
    }
    const read = (rel: string) => {
      const p = path.resolve(dir, rel);
      if (!p.startsWith(dir + path.sep)) throw new Error(`${file}: ${rel} is outside the definition folder`);
      return readFileSync(p, 'utf8');
    };
    const problems = [...filterDeclarationProblems(def), ...formatSpecProblems(def), ...bulkSpecProblems(def)];
    if (problems.length) throw new Error(`${file}: report ${def.code}: ${problems.join('; ')}`);
    for (const spec of Object.values(def.formats)) if (spec?.template) read(spec.template);
    catalog.set(def.code, {
      ...def,
      dir,
      querySql: read(def.query),
      checkSql: (def.checks ?? []).map((c) => read(c.query)),
      ...(def.bulk ? { bulkKeysSql: read(def.bulk.keys_query) } : {}),
    });
  }
  return catalog;
}

/**
 * What is wrong with a definition's `bulk`: its key must be a parameter of the report, and the only
 * one required (each document gets nothing else), and its period parameters must be its own.
 */
function bulkSpecProblems(def: ReportDefinitionFile): string[] {
  const bulk = def.bulk;
  if (!bulk) return [];
  const problems: string[] = [];
  if (!(bulk.key_parameter in def.parameters.properties)) problems.push(`bulk.key_parameter ${bulk.key_parameter} is not a parameter of the report`);
  const others = (def.parameters.required ?? []).filter((p) => p !== bulk.key_parameter);
  if (others.length) problems.push(`bulk documents set only ${bulk.key_parameter}, but the report requires ${others.join(', ')}`);
  for (const p of bulk.period ? [bulk.period.from_parameter, bulk.period.to_parameter] : []) {
    if (!(p in bulk.parameters.properties)) problems.push(`bulk.period names ${p}, not a bulk parameter`);
  }
  return problems;
}
