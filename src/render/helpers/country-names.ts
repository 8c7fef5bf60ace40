/**
 * Country names of the Online Retail data in the request's language. The data names countries in
 * English, some its own way (`EIRE`, `RSA`, `USA`); each maps to its ISO 3166-1 alpha-2 code (or `EU`)
 * and Intl.DisplayNames (Node's ICU/CLDR data) gives the name in the language's locale. The two
 * names without a code are translated here. English keeps the data's own text, as the data prints it.
 */
import type { TranslationLanguage, Language } from '../../domain/report-request.js';
import { translationLanguage } from '../../domain/report-request.js';
import { intlLocale } from './intl-format.js';

/** The data's country names (every distinct `Country` of UCI's Online Retail file) → region code. */
const REGION_CODES: Readonly<Record<string, string>> = {
  Australia: 'AU', Austria: 'AT', Bahrain: 'BH', Belgium: 'BE', Brazil: 'BR', Canada: 'CA', Cyprus: 'CY',
  'Czech Republic': 'CZ', Denmark: 'DK', EIRE: 'IE', 'European Community': 'EU', Finland: 'FI', France: 'FR',
  Germany: 'DE', Greece: 'GR', 'Hong Kong': 'HK', Iceland: 'IS', Israel: 'IL', Italy: 'IT', Japan: 'JP',
  Lebanon: 'LB', Lithuania: 'LT', Malta: 'MT', Netherlands: 'NL', Norway: 'NO', Poland: 'PL', Portugal: 'PT',
  RSA: 'ZA', 'Saudi Arabia': 'SA', Singapore: 'SG', Spain: 'ES', Sweden: 'SE', Switzerland: 'CH', USA: 'US',
  'United Arab Emirates': 'AE', 'United Kingdom': 'GB',
};

/** Names without a region code (the Channel Islands are two: Jersey and Guernsey). */
const NAMED: Readonly<Record<string, Record<Exclude<TranslationLanguage, 'en'>, string>>> = {
  'Channel Islands': { no: 'Kanaløyene', sv: 'Kanalöarna', da: 'Kanaløerne', de: 'Kanalinseln' },
  Unspecified: { no: 'Uspesifisert', sv: 'Ospecificerat', da: 'Uspecificeret', de: 'Nicht angegeben' },
};

const displayNames = new Map<string, Intl.DisplayNames>();

/** `name` (a country as the data writes it) in `language`; an unknown name is returned as it is. */
export function countryName(name: unknown, language: Language): string {
  const text = name === null || name === undefined ? '' : String(name);
  const lang = translationLanguage(language);
  if (lang === 'en') return text;
  const own = NAMED[text]?.[lang];
  if (own !== undefined) return own;
  const code = REGION_CODES[text];
  if (code === undefined) return text;
  const locale = intlLocale(language);
  let names = displayNames.get(locale);
  if (!names) displayNames.set(locale, (names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' })));
  return names.of(code) ?? text;
}
