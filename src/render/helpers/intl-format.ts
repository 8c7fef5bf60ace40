/**
 * Locale- and time-zone-aware formatting of numbers, money, dates and months for templates.
 * Languages map to Intl locales (`en` → `en-GB`, `no` and `nb` → `nb-NO`, `sv` → `sv-SE`, …); formatters are cached, since a
 * 20,000-row table would otherwise build one per cell. Every function returns `''` for null/undefined
 * and the value's own text when it cannot be read, so a template never crashes on odd data.
 */
import type { Language } from '../../domain/report-request.js';
import { decimalScale } from './decimal.js';

/** How to format: the request's language and IANA time zone (e.g. `Europe/Oslo`). */
export interface FormatSettings {
  language: Language;
  timeZone: string;
}

const LOCALES: Record<Language, string> = { en: 'en-GB', no: 'nb-NO', nb: 'nb-NO', sv: 'sv-SE', da: 'da-DK', de: 'de-DE' };

/** The Intl locale used for `language`. */
export function intlLocale(language: Language): string {
  return LOCALES[language] ?? 'en-GB';
}

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale, options)));
  return f;
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * Intl formats decimal strings exactly (ECMA-402 NumberFormat v3, Node ≥ 19), so money never passes
 * through a float. TypeScript's ES2022 lib only declares number | bigint, hence the cast.
 */
function formatExact(f: Intl.NumberFormat, value: string | number): string {
  return f.format(value as unknown as number);
}

function numericText(value: unknown): string | number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && NUMERIC.test(value)) return value;
  return undefined;
}

/**
 * Money in `currency` (ISO 4217, default GBP): `£1,234.50` (en), `1 234,50 £` (no).
 * At least 2 fraction digits and as many as the value has, so a unit price of `0.125` is not rounded.
 */
export function formatMoney(value: unknown, s: FormatSettings, currency = 'GBP'): string {
  if (value === null || value === undefined || value === '') return '';
  const v = numericText(value);
  if (v === undefined) return String(value);
  const digits = Math.min(20, Math.max(2, decimalScale(v)));
  return formatExact(numberFormat(intlLocale(s.language), { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: digits }), v);
}

/**
 * A grouped number: `1,234.5` (en), `1 234,5` (no). `decimals` fixes the fraction digits; without it
 * the value's own digits are kept.
 */
export function formatNumber(value: unknown, s: FormatSettings, decimals?: number): string {
  if (value === null || value === undefined || value === '') return '';
  const v = numericText(value);
  if (v === undefined) return String(value);
  const options: Intl.NumberFormatOptions =
    decimals !== undefined && Number.isInteger(decimals) && decimals >= 0 && decimals <= 20
      ? { minimumFractionDigits: decimals, maximumFractionDigits: decimals }
      : { minimumFractionDigits: 0, maximumFractionDigits: Math.min(20, decimalScale(v)) };
  return formatExact(numberFormat(intlLocale(s.language), options), v);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function toInstant(value: unknown): Date | undefined {
  const d = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

/**
 * A calendar date: `18 Jul 2011` (en), `18. juli 2011` (no). An instant (ISO-8601 with offset or Z)
 * is first converted to the request's time zone; a bare `YYYY-MM-DD` is already a calendar date and
 * is printed as is.
 */
export function formatDate(value: unknown, s: FormatSettings): string {
  if (value === null || value === undefined || value === '') return '';
  const m = typeof value === 'string' ? DATE_ONLY.exec(value) : null;
  if (m) {
    const utc = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return dateFormat(intlLocale(s.language), { dateStyle: 'medium', timeZone: 'UTC' }).format(utc);
  }
  const d = toInstant(value);
  if (!d) return String(value);
  return dateFormat(intlLocale(s.language), { dateStyle: 'medium', timeZone: s.timeZone }).format(d);
}

/**
 * An instant in the request's time zone, with the zone's abbreviation or offset:
 * `1 Jul 2011, 09:00 BST` (en, Europe/London), `1. juli 2011, 10:00 CEST` (no, Europe/Oslo).
 */
export function formatDateTime(value: unknown, s: FormatSettings): string {
  if (value === null || value === undefined || value === '') return '';
  const d = toInstant(value);
  if (!d) return String(value);
  return dateFormat(intlLocale(s.language), {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    timeZoneName: 'short', timeZone: s.timeZone,
  }).format(d);
}

/**
 * A month given as `YYYY-MM` (already computed in the request's time zone by the query):
 * `July 2011` (en), `juli 2011` (no).
 */
export function formatMonth(value: unknown, s: FormatSettings): string {
  if (value === null || value === undefined || value === '') return '';
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})$/.exec(value) : null;
  if (!m) return String(value);
  const utc = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  return dateFormat(intlLocale(s.language), { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(utc);
}
