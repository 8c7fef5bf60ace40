/**
 * Human-readable text for the CLI: sizes, checksums, report outcomes and API errors.
 */
import { ApiError, ChecksumError, NetworkError } from './api-client.js';
import { EXIT, UsageError, type ExitCode, type Output } from './io.js';
import type { FieldErrorBody, RunBody } from './wire-types.js';

/** `532 B`, `12.3 kB`, `4.1 MB` (SI units, as file managers show them). */
export function humanSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}

/** First 12 hex digits and an ellipsis: enough to compare by eye. */
export function shortSha(sha256: string): string {
  return `${sha256.slice(0, 12)}…`;
}

/** `12.3 kB sha256 0123456789ab… 1 page` (pages for PDF, rows otherwise). */
export function reportLine(report: NonNullable<RunBody['report']>): string {
  const count = report.pages !== undefined ? plural(report.pages, 'page') : plural(report.rows, 'row');
  return `${humanSize(report.size_bytes)} sha256 ${shortSha(report.sha256)} ${count}`;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** `CODE: message` and one indented line per field error. */
export function errorLines(error: { code: string; message: string; errors?: FieldErrorBody[] }): string {
  const lines = [`${error.code}: ${error.message}`];
  for (const e of error.errors ?? []) lines.push(`  ${e.field}: ${e.code} ${e.message}`);
  return lines.join('\n') + '\n';
}

/** Prints what went wrong to `stderr` and returns the exit code for it. */
export function reportFailure(err: unknown, stderr: Output): ExitCode {
  if (err instanceof ApiError) {
    stderr.write(errorLines(err));
    return err.status >= 400 && err.status < 500 ? EXIT.REFUSED : EXIT.UNAVAILABLE;
  }
  if (err instanceof UsageError) {
    stderr.write(`error: ${err.message}\n`);
    return EXIT.REFUSED;
  }
  if (err instanceof NetworkError || err instanceof ChecksumError) {
    stderr.write(`error: ${err.message}\n`);
    return EXIT.UNAVAILABLE;
  }
  stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
  return EXIT.UNAVAILABLE;
}

/**
 * Rows under upper-case headers, columns padded to their widest cell and two spaces apart (the last
 * column is not padded, so lines carry no trailing spaces).
 */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
