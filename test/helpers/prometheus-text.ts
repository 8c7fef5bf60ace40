/**
 * Reads a Prometheus text exposition (format 0.0.4) into sample → value, for tests that scrape
 * `/metrics` before and after something and compare. Keys are `name{label="value",…}` with labels
 * sorted by name, so `sample('x_total', { b: '2', a: '1' })` finds `x_total{a="1",b="2"}`.
 */

/** Sample key → value. */
export type Samples = Map<string, number>;

/** Parses the samples of `text` (comment lines skipped). */
export function parseSamples(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.set(sample(m[1]!, labels), Number(m[3]));
  }
  return out;
}

/** The key of one sample. */
export function sample(name: string, labels: Record<string, string> = {}): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`);
  return pairs.length ? `${name}{${pairs.join(',')}}` : name;
}

/** How much `key` grew from `before` to `after` (a sample absent before counts from 0). */
export function delta(before: Samples, after: Samples, key: string): number {
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}

/** Scrapes `url` and parses it. @throws Error unless it answers 200 with Prometheus text. */
export async function scrape(url: string): Promise<Samples> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/plain')) throw new Error(`GET ${url}: content-type ${res.headers.get('content-type')}`);
  return parseSamples(await res.text());
}
