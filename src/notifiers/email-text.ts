/**
 * The words of a notification email in the request's language, hand-translated (Intl has no report
 * wording). A typed table: a language added to LANGUAGES without its wording does not compile.
 * Figures (bytes, rows), codes, ids and links stay as they are, so a reader can copy them.
 */
import { translationLanguage, type Language, type TranslationLanguage } from '../domain/report-request.js';
import type { ReportEventType } from '../domain/webhook-delivery.js';

interface Wording {
  /** What happened to the report, as the end of "Report X …". */
  outcome: Record<ReportEventType, string>;
  /** "Report" before the report code. */
  report: string;
  request: string;
  file: string;
  bytes: string;
  rows: string;
  download: string;
  copy: string;
  error: string;
}

const WORDING: Record<TranslationLanguage, Wording> = {
  en: { outcome: { 'report.succeeded': 'is ready', 'report.failed': 'failed', 'report.cancelled': 'was cancelled' }, report: 'Report', request: 'request', file: 'File', bytes: 'bytes', rows: 'rows', download: 'Download', copy: 'Copy', error: 'Error' },
  no: { outcome: { 'report.succeeded': 'er klar', 'report.failed': 'feilet', 'report.cancelled': 'ble avbrutt' }, report: 'Rapport', request: 'forespørsel', file: 'Fil', bytes: 'byte', rows: 'rader', download: 'Last ned', copy: 'Kopi', error: 'Feil' },
  sv: { outcome: { 'report.succeeded': 'är klar', 'report.failed': 'misslyckades', 'report.cancelled': 'avbröts' }, report: 'Rapport', request: 'förfrågan', file: 'Fil', bytes: 'byte', rows: 'rader', download: 'Ladda ned', copy: 'Kopia', error: 'Fel' },
  da: { outcome: { 'report.succeeded': 'er klar', 'report.failed': 'mislykkedes', 'report.cancelled': 'blev annulleret' }, report: 'Rapport', request: 'forespørgsel', file: 'Fil', bytes: 'byte', rows: 'rækker', download: 'Hent', copy: 'Kopi', error: 'Fejl' },
  de: { outcome: { 'report.succeeded': 'ist fertig', 'report.failed': 'ist fehlgeschlagen', 'report.cancelled': 'wurde abgebrochen' }, report: 'Bericht', request: 'Anfrage', file: 'Datei', bytes: 'Byte', rows: 'Zeilen', download: 'Herunterladen', copy: 'Kopie', error: 'Fehler' },
};

/** What an email says: the run's outcome, its file (`sizeBytes` in bytes, `rows` data rows) and links. */
export interface EmailFacts {
  type: ReportEventType;
  reportCode: string;
  requestId: string;
  report?: { fileName: string; sizeBytes: number; rows: number; sha256: string; downloadUrl: string; copies: { uri: string; downloadUrl?: string }[] };
  error?: { code: string; message: string };
}

/** Subject and plain-text body (ending in a newline) of the email about `facts`, in `language`. */
export function emailText(facts: EmailFacts, language: Language): { subject: string; text: string } {
  const w = WORDING[translationLanguage(language)];
  const subject = `${w.report} ${facts.reportCode} ${w.outcome[facts.type]}`;
  const lines = [`${w.report} ${facts.reportCode} (${w.request} ${facts.requestId}) ${w.outcome[facts.type]}.`, ''];
  const r = facts.report;
  if (r) {
    lines.push(`${w.file}: ${r.fileName}, ${r.sizeBytes} ${w.bytes}, ${r.rows} ${w.rows}, sha256 ${r.sha256}.`);
    lines.push(`${w.download}: ${r.downloadUrl}`);
    for (const c of r.copies) lines.push(`${w.copy}: ${c.uri}${c.downloadUrl ? `\n  ${c.downloadUrl}` : ''}`);
  }
  if (facts.error) lines.push(`${w.error} ${facts.error.code}: ${facts.error.message}`);
  return { subject, text: lines.join('\n') + '\n' };
}
