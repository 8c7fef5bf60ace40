/**
 * `{{t 'invoice.total'}}`: the label for the request's language; a missing key prints the key itself.
 * Hash arguments fill `{name}` placeholders of the label: `{{t 'aging.days_range' from=1 to=30}}` with
 * `"{from}–{to} days"` gives `1–30 days` (a placeholder without an argument stays as written).
 * `{{inLanguage constants.seller.note}}`: of an object of texts by language, the request language's,
 * else its translation language's (`nb` → `no`), else `en`'s, else nothing.
 */
import type { HelperDelegate } from 'handlebars';
import { lookupLabel } from '../labels.js';
import { translationLanguage } from '../../domain/report-request.js';
import { formatSettings, rootContext, splitArgs } from './helper-args.js';

export const labelHelpers: Record<string, HelperDelegate> = {
  t(...args: unknown[]) {
    const { values, options } = splitArgs(args);
    const label = lookupLabel(rootContext(options).labels, String(values[0] ?? ''));
    const hash = (options?.hash ?? {}) as Record<string, unknown>;
    return label.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(hash, name) ? String(hash[name]) : whole));
  },
  inLanguage(...args: unknown[]) {
    const { values, options } = splitArgs(args);
    const texts = values[0];
    if (texts === null || typeof texts !== 'object') return '';
    const { language } = formatSettings(options);
    const byLanguage = texts as Record<string, unknown>;
    const text = [language, translationLanguage(language), 'en'].map((l) => byLanguage[l]).find((t) => typeof t === 'string');
    return typeof text === 'string' ? text : '';
  },
};
