/**
 * Exact decimal arithmetic for money: values are scaled BigInts (`units / 10^scale`), so summing
 * thousands of `"2.55"`-style strings never drifts the way binary floats do.
 */

/** A decimal as an integer count of `10^-scale` units. */
export interface ScaledDecimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

/**
 * Parses `"-12.50"`, `"3"`, `".5"`, a JS number (via its shortest round-trip text) or a bigint.
 * @throws RangeError when the value is not a plain decimal (no exponents, no grouping).
 */
export function parseDecimal(value: string | number | bigint): ScaledDecimal {
  if (typeof value === 'bigint') return { units: value, scale: 0 };
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
  const fraction = m[3] ?? '';
  const units = BigInt((m[2] || '0') + fraction);
  return { units: m[1] === '-' ? -units : units, scale: fraction.length };
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a decimal: ${n}`);
  // Avoid exponent notation (1e-7, 1e21) so the regex above can read it.
  const text = String(n);
  return /e/i.test(text) ? n.toFixed(20).replace(/\.?0+$/, '') : text;
}

/** `a` rescaled to `scale` (≥ its own scale), exactly. */
function rescale(a: ScaledDecimal, scale: number): bigint {
  return a.units * 10n ** BigInt(scale - a.scale);
}

/** Exact sum; the result's scale is the largest input scale. */
export function addDecimals(a: ScaledDecimal, b: ScaledDecimal): ScaledDecimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

/** Plain text with exactly `scale` fraction digits, e.g. `{units: -1250n, scale: 2}` → `"-12.50"`. */
export function decimalToString(d: ScaledDecimal): string {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const whole = digits.slice(0, digits.length - d.scale);
  const fraction = d.scale > 0 ? '.' + digits.slice(digits.length - d.scale) : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/**
 * Exact sum of decimal strings or numbers; null, undefined and `''` count as nothing.
 * @returns a decimal string, `"0"` for no values.
 * @throws RangeError when a value is not a decimal.
 */
export function sumDecimals(values: Iterable<unknown>): string {
  let total: ScaledDecimal = { units: 0n, scale: 0 };
  for (const v of values) {
    if (v === null || v === undefined || v === '') continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') throw new RangeError(`not a decimal: ${String(v)}`);
    total = addDecimals(total, parseDecimal(v));
  }
  return decimalToString(total);
}

/** Digits after the decimal point in a decimal string (`"0.125"` → 3), 0 for anything else. */
export function decimalScale(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const dot = value.indexOf('.');
  return dot === -1 ? 0 : value.length - dot - 1;
}
