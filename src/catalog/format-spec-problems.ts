/**
 * Checks of a definition's per-format settings that JSON Schema cannot make: XLSX `money_columns` must
 * name `decimal` columns, and `currency` must be a currency this runtime's Intl knows (its symbol and
 * minor digits make the Excel number format). TXT needs a `template` (there is no default text layout).
 */
import type { ReportDefinitionFile } from './report-definition.js';

/** @returns one sentence per problem, empty when the settings fit the columns. */
export function formatSpecProblems(def: ReportDefinitionFile): string[] {
  const problems: string[] = [];
  const types = new Map(def.columns.map((c) => [c.name, c.type]));
  for (const [format, spec] of Object.entries(def.formats)) {
    for (const name of spec?.money_columns ?? []) {
      const type = types.get(name);
      if (type !== 'decimal') problems.push(`formats.${format}.money_columns: ${name} is ${type ? `of type ${type}` : 'not a column'}, not a decimal column`);
    }
    if (spec?.currency !== undefined && !isKnownCurrency(spec.currency)) problems.push(`formats.${format}.currency: ${spec.currency} is not an ISO 4217 currency`);
  }
  if (def.formats.TXT && !def.formats.TXT.template) problems.push('formats.TXT.template: a TXT report needs its text template');
  return problems;
}

function isKnownCurrency(code: string): boolean {
  return Intl.supportedValuesOf('currency').includes(code);
}
