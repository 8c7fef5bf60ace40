/**
 * Pieces for wrapping a report query in an outer query (filters, COPY, previews): the query as a
 * subquery, and the definition's `order_by` applied again outside it. Report column names are SQL
 * identifiers only when they are plain (`SAFE_IDENTIFIER`), and then always quoted.
 */

/** A report column name safe to quote as an identifier: lower-case ASCII letter, then letters, digits, `_`. */
export const SAFE_IDENTIFIER = /^[a-z][a-z0-9_]*$/;

/**
 * `(\n<query>\n) AS <alias>`: the query's trailing `;` and whitespace are dropped (a `;` cannot stay
 * inside), and the newline before `)` ends a trailing `--` comment of the query.
 * @param alias a fixed alias of the caller's, not input.
 */
export function asSubquery(queryText: string, alias: string): string {
  return `(\n${queryText.replace(/[\s;]+$/, '')}\n) AS ${alias}`;
}

/**
 * The items of an ORDER BY from a definition's `order_by` (output column names, each optionally followed
 * by ` asc` or ` desc`), e.g. `report."invoice_date", report."line_no" DESC`.
 * @param column the SQL of an output column by name (the caller quotes it and checks it is safe).
 */
export function orderByItems(orderBy: readonly string[], column: (name: string) => string): string[] {
  return orderBy.map((item) => {
    const [name = '', direction] = item.split(' ');
    return `${column(name)}${direction?.toLowerCase() === 'desc' ? ' DESC' : ''}`;
  });
}
