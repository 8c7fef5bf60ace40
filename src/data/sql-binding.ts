/**
 * Named SQL parameters. Report SQL is written with `:name` placeholders; `bindNamedParameters` turns
 * them into PostgreSQL's positional `$1, $2, ...` and a values array, so values are always bound by the
 * driver and never pasted into SQL text. `::type` casts, string literals, quoted identifiers,
 * dollar-quoted strings and comments are left untouched.
 */
import type { ValidatedRequest } from '../domain/report-request.js';

/** SQL text with `$n` placeholders and the values to bind, in order. */
export interface BoundQuery {
  text: string;
  values: unknown[];
}

/**
 * @param sql SQL with `:name` placeholders (name: `[A-Za-z_][A-Za-z0-9_]*`); one name used twice binds once.
 * @param params values by name; a value of `undefined` is bound as NULL.
 * @throws Error naming the placeholder when `params` has no entry for it (a definition bug, not bad input).
 */
export function bindNamedParameters(sql: string, params: Readonly<Record<string, unknown>>): BoundQuery {
  const values: unknown[] = [];
  const positions = new Map<string, number>();
  const text = mapSqlCode(sql, (code) =>
    code.replace(/::|:([A-Za-z_][A-Za-z0-9_]*)/g, (match, name: string | undefined) => {
      if (name === undefined) return match;
      if (!Object.prototype.hasOwnProperty.call(params, name)) throw new Error(`SQL placeholder :${name} has no value`);
      let pos = positions.get(name);
      if (pos === undefined) {
        values.push(params[name] ?? null);
        pos = values.length;
        positions.set(name, pos);
      }
      return `$${pos}`;
    }),
  );
  return { text, values };
}

/**
 * Rewrites the positional parameters (`$1`, `$2`, ...) of `sql` outside literals and comments.
 * @param replace the text for parameter `n` (1-based).
 */
export function replacePositionalParameters(sql: string, replace: (n: number) => string): string {
  return mapSqlCode(sql, (code) => code.replace(/\$(\d+)/g, (_match, n: string) => replace(Number(n))));
}

/**
 * `sql` with `fn` applied to each run of SQL code between string literals, quoted identifiers,
 * dollar-quoted strings and comments, which are kept as they are.
 */
function mapSqlCode(sql: string, fn: (code: string) => string): string {
  let out = '';
  let codeStart = 0;
  let i = 0;
  const skip = (stop: number) => {
    out += fn(sql.slice(codeStart, i)) + sql.slice(i, stop);
    i = stop;
    codeStart = stop;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"') {
      skip(closingQuote(sql, i, ch, ch === "'" && isEscapeStringPrefix(sql, i)));
    } else if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      skip(end === -1 ? sql.length : end);
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      skip(end === -1 ? sql.length : end + 2);
    } else if (ch === '$' && /[A-Za-z_$]/.test(next ?? '')) {
      const tag = /^\$[A-Za-z_0-9]*\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        skip(end === -1 ? sql.length : end + tag[0].length);
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  return out + fn(sql.slice(codeStart));
}

/** True when the quote at `quoteAt` opens an escape string `E'…'`, where a backslash escapes the next character. */
function isEscapeStringPrefix(sql: string, quoteAt: number): boolean {
  const prefix = sql[quoteAt - 1];
  return (prefix === 'E' || prefix === 'e') && !/[A-Za-z0-9_$]/.test(sql[quoteAt - 2] ?? '');
}

function closingQuote(sql: string, start: number, quote: string, backslashEscapes = false): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') {
      i += 2;
      continue;
    }
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2; // doubled quote is an escaped quote
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/**
 * The values a report query can use: every declared parameter (`declared`, e.g. the keys of the
 * definition's parameter schema; those not given are bound as NULL so optional filters can be written
 * `(:x::int IS NULL OR col = :x::int)`), plus `:timezone` (IANA name), `:language`, and for period
 * reports `:period_from` / `:period_to` (ISO-8601 instants with offset, half-open).
 */
export function queryParameters(validated: ValidatedRequest, declared: readonly string[] = []): Record<string, unknown> {
  const absent = Object.fromEntries(declared.map((name) => [name, null]));
  return {
    ...absent,
    ...validated.parameters,
    timezone: validated.request.timezone,
    language: validated.request.language,
    period_from: validated.period?.from ?? null,
    period_to: validated.period?.to ?? null,
  };
}
