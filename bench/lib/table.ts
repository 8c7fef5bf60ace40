import { latencies } from './stats.js';

/** A Markdown table with padded columns, readable in a terminal and pasteable into the README. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** `n` with `digits` decimals, or `–` when unknown. */
export function fixed(n: number | undefined, digits = 0): string {
  return n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
}

/** `p50 / p95 / max ms` of `latenciesMs` (any order) in whole ms, e.g. `12 / 48 / 310 ms`; `– / – / – ms` when empty. */
export function latencyCell(latenciesMs: readonly number[]): string {
  const l = latenciesMs.length ? latencies(latenciesMs) : undefined;
  return `${fixed(l?.p50Ms)} / ${fixed(l?.p95Ms)} / ${fixed(l?.maxMs)} ms`;
}
