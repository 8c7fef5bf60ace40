/**
 * Exact decimal arithmetic for test oracles, independent of the code under test: values are scaled
 * to integers with 6 decimals (the data has at most 3; products of two have at most 6).
 */
const SCALE = 6;

export function toScaled(value: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(value)}`);
  const frac = (m[3] ?? '').padEnd(SCALE, '0');
  if (frac.length > SCALE) throw new Error(`more than ${SCALE} decimals: ${value}`);
  const n = BigInt(m[2]! + frac);
  return m[1] ? -n : n;
}

export function fromScaled(n: bigint, decimals = 2): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const divisor = 10n ** BigInt(SCALE - decimals);
  // round half away from zero to `decimals`
  const rounded = (abs + divisor / 2n) / divisor;
  const s = rounded.toString().padStart(decimals + 1, '0');
  const out = decimals ? `${s.slice(0, -decimals)}.${s.slice(-decimals)}` : s;
  return neg && rounded !== 0n ? `-${out}` : out;
}

export function product(a: string, b: string): bigint {
  return (toScaled(a) * toScaled(b)) / 10n ** BigInt(SCALE);
}
