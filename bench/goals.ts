/**
 * The speed goals of issue 11, each a ratio or a bound measured in the same `npm run bench` run, with
 * its target and whether it is met. A goal whose figures were not measured in this run (no `--peers`,
 * or no PostgreSQL) says so instead of guessing.
 */
import type { Summary } from './lib/stats.js';
import { fixed } from './lib/table.js';

/** What one run measured; every peer figure is optional. */
export interface Figures {
  /** `rssIdleBytes`: the larger of the worker's idle RSS at start and 30 s after the runs (`idleRss`). */
  reportflow: { c1: Summary; c8: Summary; csvMs: number; rssIdleBytes: number; rssPeakBytes: number };
  jsreport?: { c1: Summary; c8: Summary };
  puppeteerReuse?: { c8: Summary };
  /** PostgreSQL's COPY of the same rows; undefined when not measured. */
  copyMs?: number;
  /** True when `copyMs` was measured on a real PostgreSQL (the goal is stated there). */
  copyOnPostgres: boolean;
}

/** One goal's row: the goal, what was measured, the target and the verdict. */
export type GoalRow = [goal: string, measured: string, target: string, met: string];

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
const MB = 1e6;

/** The goals' rows for the figures table. */
export function goalRows(f: Figures): GoalRow[] {
  const rf = f.reportflow;
  const rows: GoalRow[] = [];
  const ratio = (label: string, value: number | undefined, target: string, ok: (v: number) => boolean, missing: string, judged = true) =>
    rows.push(value === undefined ? [label, missing, target, '–'] : [label, `${fixed(value, 2)} ×`, target, judged ? verdict(ok(value)) : 'goal is on PostgreSQL']);

  ratio('invoice PDFs/s at 8 concurrent ÷ jsreport-core\'s', f.jsreport && rf.c8.perSecond / f.jsreport.c8.perSecond, '≥ 3', (v) => v >= 3, 'needs --peers');
  ratio('invoice PDFs/s at 8 concurrent ÷ raw Puppeteer page reuse', f.puppeteerReuse && rf.c8.perSecond / f.puppeteerReuse.c8.perSecond, '≥ 0.5', (v) => v >= 0.5, 'needs --peers');
  ratio('invoice p50 at 1 at a time ÷ jsreport-core\'s p50', f.jsreport && rf.c1.p50Ms / f.jsreport.c1.p50Ms, '≤ 1', (v) => v <= 1, 'needs --peers');
  rows.push(['invoice p50 at 1 at a time', `${fixed(rf.c1.p50Ms)} ms`, '≤ 150 ms', verdict(rf.c1.p50Ms <= 150)]);
  const copyLabel = `full CSV POST → webhook ÷ COPY TO STDOUT${f.copyOnPostgres ? '' : ' (embedded engine)'}`;
  ratio(copyLabel, f.copyMs === undefined ? undefined : rf.csvMs / f.copyMs, '≤ 1.5', (v) => v <= 1.5, 'needs --peers (COPY)', f.copyOnPostgres);
  rows.push(['worker RSS idle (the larger of at start and 30 s after the runs)', `${fixed(rf.rssIdleBytes / MB)} MB`, '≤ 250 MB', verdict(rf.rssIdleBytes <= 250 * MB)]);
  rows.push(['worker RSS peak (VmHWM)', `${fixed(rf.rssPeakBytes / MB)} MB`, '≤ 350 MB', verdict(rf.rssPeakBytes <= 350 * MB)]);
  return rows;
}
