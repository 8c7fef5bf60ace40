/**
 * `path_format`: how a bucket export names its object under the bucket prefix. Sandbox-safe (pure).
 *
 * Tokens, in braces:
 * - `{tenant}`, `{report_code}`, `{request_id}`, `{customer_id}`, `{file_name}` (e.g. `INVOICE_536365.csv`),
 *   `{ext}` (the file's extension without the dot, e.g. `csv`);
 * - `{period_from:FMT}`, `{period_to:FMT}`: the period's first and last calendar day (inclusive, as asked);
 * - `{generated_at:FMT}`: the request's time (`requested_at`) in the request's time zone, so a retry
 *   names the same object.
 * `FMT` is built from `YYYY`, `MM`, `DD`, `HH`, `mm`, `ss` and literal `-`, `_`, `.`, `/`; default `YYYY-MM-DD`.
 *
 * Example: `{tenant}/{report_code}/{generated_at:YYYY/MM/DD}/{request_id}.{ext}` →
 * `acme/ONLINE_RETAIL_EXPORT/2024/03/01/rpt-1.csv`.
 */

/** Used when a bucket location has no `path_format`. */
export const DEFAULT_PATH_FORMAT = '{tenant}/{report_code}/{request_id}/{file_name}';

const PLAIN_TOKENS = ['tenant', 'report_code', 'request_id', 'customer_id', 'file_name', 'ext'] as const;
const DATE_TOKENS = ['period_from', 'period_to', 'generated_at'] as const;
type PlainToken = (typeof PLAIN_TOKENS)[number];
type DateToken = (typeof DATE_TOKENS)[number];

/**
 * What the tokens stand for. Dates: `periodFrom`/`periodTo` are `YYYY-MM-DD` calendar days;
 * `generatedAt` is an ISO-8601 instant, printed in `timezone` (IANA name).
 */
export interface PathValues {
  tenant: string;
  reportCode: string;
  requestId: string;
  customerId?: string;
  fileName: string;
  periodFrom?: string;
  periodTo?: string;
  generatedAt: string;
  timezone: string;
}

const TOKEN = /\{([^{}]*)\}/g;
const DATE_FORMAT = /^(YYYY|MM|DD|HH|mm|ss|[-_./])+$/;

/**
 * Problems with the format itself (unknown token, bad date format, stray brace), as sentences; empty when fine.
 */
export function pathFormatProblems(format: string): string[] {
  const problems: string[] = [];
  if (format.length === 0) problems.push('is empty');
  const rest = format.replace(TOKEN, (_m, body: string) => {
    const [name, fmt, extra] = body.split(':');
    if ((PLAIN_TOKENS as readonly string[]).includes(name ?? '')) {
      if (fmt !== undefined) problems.push(`{${name}} takes no format`);
    } else if ((DATE_TOKENS as readonly string[]).includes(name ?? '')) {
      if (extra !== undefined || (fmt !== undefined && !DATE_FORMAT.test(fmt))) problems.push(`{${body}} has a bad date format (use YYYY, MM, DD, HH, mm, ss and - _ . /)`);
    } else {
      problems.push(`{${body}} is not a token (use ${[...PLAIN_TOKENS, ...DATE_TOKENS].map((t) => `{${t}}`).join(', ')})`);
    }
    return 'x';
  });
  if (/[{}]/.test(rest)) problems.push('has an unmatched brace');
  return problems;
}

/**
 * The object name for `values`, checked: not absolute, no `.` or `..` segment, no empty segment,
 * no backslash or control character.
 * @throws Error with a sentence saying what is wrong (callers wrap it in their error code).
 */
export function renderPathFormat(format: string, values: PathValues): string {
  const problems = pathFormatProblems(format);
  if (problems.length) throw new Error(`path_format ${problems.join('; ')}`);
  const out = format.replace(TOKEN, (_m, body: string) => {
    const [name, fmt] = body.split(':') as [string, string | undefined];
    if ((DATE_TOKENS as readonly string[]).includes(name)) return dateToken(name as DateToken, fmt ?? 'YYYY-MM-DD', values);
    return plainToken(name as PlainToken, values);
  });
  if (out.startsWith('/')) throw new Error('path_format yields an absolute path');
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f]/.test(out)) throw new Error('path_format yields a backslash or control character');
  for (const segment of out.split('/')) {
    if (segment === '') throw new Error('path_format yields an empty path segment');
    if (segment === '.' || segment === '..') throw new Error(`path_format yields a "${segment}" segment`);
  }
  return out;
}

function plainToken(name: PlainToken, v: PathValues): string {
  switch (name) {
    case 'tenant':
      return v.tenant;
    case 'report_code':
      return v.reportCode;
    case 'request_id':
      return v.requestId;
    case 'customer_id':
      // Empty when absent: the segment check then refuses the path rather than inventing a name.
      return v.customerId ?? '';
    case 'file_name':
      return v.fileName;
    case 'ext': {
      const dot = v.fileName.lastIndexOf('.');
      return dot > 0 ? v.fileName.slice(dot + 1) : '';
    }
  }
}

function dateToken(name: DateToken, fmt: string, v: PathValues): string {
  let parts: Record<'YYYY' | 'MM' | 'DD' | 'HH' | 'mm' | 'ss', string>;
  if (name === 'generated_at') {
    parts = zonedParts(v.generatedAt, v.timezone);
  } else {
    const day = name === 'period_from' ? v.periodFrom : v.periodTo;
    if (!day) throw new Error(`path_format uses {${name}} but the report has no period`);
    const [YYYY = '', MM = '', DD = ''] = day.split('-');
    parts = { YYYY, MM, DD, HH: '00', mm: '00', ss: '00' };
  }
  return fmt.replace(/YYYY|MM|DD|HH|mm|ss/g, (k) => parts[k as keyof typeof parts]);
}

/** Calendar fields of `instant` (ISO-8601) in the IANA zone `timezone`, zero-padded. */
function zonedParts(instant: string, timezone: string): Record<'YYYY' | 'MM' | 'DD' | 'HH' | 'mm' | 'ss', string> {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) throw new Error(`generated_at is not an instant: ${instant}`);
  const fields = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => fields.find((f) => f.type === type)?.value ?? '';
  return { YYYY: get('year'), MM: get('month'), DD: get('day'), HH: get('hour'), mm: get('minute'), ss: get('second') };
}
