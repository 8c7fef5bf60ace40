/**
 * Formatting helpers: `{{money v}}`, `{{money v 'EUR'}}`, `{{number v 2}}`, `{{date v}}`,
 * `{{datetime v}}`, `{{month 'YYYY-MM'}}`, `{{countryName 'France'}}` (not `country`: a helper would shadow a row's `country` field). They return plain strings, so Handlebars still escapes them.
 */
import type { HelperDelegate } from 'handlebars';
import { formatDate, formatDateTime, formatMoney, formatMonth, formatNumber } from './intl-format.js';
import { formatSettings, rootContext, splitArgs } from './helper-args.js';
import { countryName } from './country-names.js';

/** Default currency: `constants.currency` of the report, else GBP (the Online Retail data's). */
function defaultCurrency(constants: Record<string, unknown> | undefined): string {
  const c = constants?.currency;
  return typeof c === 'string' && /^[A-Z]{3}$/.test(c) ? c : 'GBP';
}

export const formatHelpers: Record<string, HelperDelegate> = {
  money(...args: unknown[]) {
    const { values, options } = splitArgs(args);
    const currency = typeof values[1] === 'string' ? values[1] : defaultCurrency(rootContext(options).constants);
    return formatMoney(values[0], formatSettings(options), currency);
  },
  number(...args: unknown[]) {
    const { values, options } = splitArgs(args);
    const decimals = typeof values[1] === 'number' ? values[1] : undefined;
    return formatNumber(values[0], formatSettings(options), decimals);
  },
  date(...args: unknown[]) {
    const { values, options } = splitArgs(args);
    return formatDate(values[0], formatSettings(options));
  },
  datetime(...args: unknown[]) {
    const { values, options } = splitArgs(args);
    return formatDateTime(values[0], formatSettings(options));
  },
  month(...args: unknown[]) {
    const { values, options } = splitArgs(args);
    return formatMonth(values[0], formatSettings(options));
  },
  countryName(...args: unknown[]) {
    const { values, options } = splitArgs(args);
    return countryName(values[0], formatSettings(options).language);
  },
};
