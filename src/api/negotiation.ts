/**
 * Content negotiation of `POST /v1/report-generate-requests` (Dintero's request shape): `Accept`
 * picks the report's format and `Accept-Language` its language when the body leaves them out.
 * The headers are read by `negotiator` (q-values, wildcards and language prefixes as RFC 9110
 * §12.5.1 and §12.5.4 define them); the response itself is JSON whatever `Accept` says.
 */
import Negotiator from 'negotiator';
import { ReportError } from '../domain/errors.js';
import { LANGUAGES, OUTPUT_FORMATS, type Language, type OutputFormat } from '../domain/report-request.js';

/** The media type of each output format's file, as the download serves it (without `charset`). */
export const FORMAT_MEDIA_TYPES: Readonly<Record<OutputFormat, string>> = {
  PDF: 'application/pdf',
  HTML: 'text/html',
  CSV: 'text/csv',
  XML: 'application/xml',
  XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  TXT: 'text/plain',
};

/** The API's own answer type: naming it (or a wildcard) in `Accept` chooses no format. */
const JSON_TYPE = 'application/json';

/**
 * The format `accept` asks for among `offered` (the report's formats, in definition order), or
 * `undefined` when the header is absent or chooses no format: only a media type named exactly (no
 * wildcard) picks a format, the best by q-value, then by the header's order.
 * @throws ReportError('FORMAT_UNSUPPORTED') on `Accept` when the header names only media types of
 *   formats the report does not offer (no wildcard, no `application/json`, nothing offered).
 */
export function formatFromAccept(accept: string | undefined, offered: readonly OutputFormat[]): OutputFormat | undefined {
  if (accept === undefined || accept.trim() === '') return undefined;
  const negotiator = new Negotiator({ headers: { accept } });
  const named = new Set(negotiator.mediaTypes().map((t) => t.toLowerCase()));
  const byType = new Map(offered.map((f) => [FORMAT_MEDIA_TYPES[f], f]));
  const best = negotiator.mediaTypes([...byType.keys()]).find((t) => named.has(t));
  if (best !== undefined) return byType.get(best);
  const noChoice = [...named].some((t) => t.includes('*') || t === JSON_TYPE);
  const namesFormats = [...named].some((t) => OUTPUT_FORMATS.some((f) => FORMAT_MEDIA_TYPES[f] === t));
  if (noChoice || !namesFormats) return undefined;
  const allowed = offered.map((f) => `${FORMAT_MEDIA_TYPES[f]} (${f})`).join(', ');
  throw new ReportError('FORMAT_UNSUPPORTED', 'The Accept header names no format this report offers.', [
    { field: 'Accept', code: 'FORMAT_UNSUPPORTED', message: `This report is available as ${allowed}; or send \`format\`.` },
  ]);
}

/**
 * The supported language `acceptLanguage` prefers (`en-GB` → `en`, `NB-no` → `nb`; a tag matches a
 * language of its prefix, case-insensitively; `*` the first, `en`), or `undefined` when the header is
 * absent or names none of them.
 */
export function languageFromAcceptLanguage(acceptLanguage: string | undefined): Language | undefined {
  if (acceptLanguage === undefined || acceptLanguage.trim() === '') return undefined;
  return new Negotiator({ headers: { 'accept-language': acceptLanguage } }).languages([...LANGUAGES])[0] as Language | undefined;
}
