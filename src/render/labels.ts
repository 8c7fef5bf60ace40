/**
 * Translated labels for templates: `templates/_shared/i18n/<language>.json` merged with the report's
 * own `templates/<CODE>/i18n/<language>.json` (the report's keys win; `nb` reads `no.json`). Files hold nested objects of
 * strings; templates look keys up by dotted path (`{{t 'invoice.total'}}`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { translationLanguage, type Language } from '../domain/report-request.js';

/** Nested label tree: leaves are strings. */
export interface Labels {
  [key: string]: string | Labels;
}

/**
 * Reads and merges the label files for `language`; a missing file counts as empty.
 * @throws Error naming the file when it is not a JSON object.
 */
export function loadLabels(templatesDir: string, definitionDir: string, language: Language): Labels {
  const file = `${translationLanguage(language)}.json`;
  const shared = readLabelFile(path.join(templatesDir, '_shared', 'i18n', file));
  const own = readLabelFile(path.join(definitionDir, 'i18n', file));
  return mergeLabels(shared, own);
}

function readLabelFile(file: string): Labels {
  if (!existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: labels must be a JSON object`);
  return parsed as Labels;
}

function mergeLabels(base: Labels, over: Labels): Labels {
  const out: Labels = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = typeof value === 'object' && typeof prev === 'object' ? mergeLabels(prev, value) : value;
  }
  return out;
}

/** The label at dotted `key`, or `key` itself when missing or not a string (templates never crash). */
export function lookupLabel(labels: Labels | undefined, key: string): string {
  let node: string | Labels | undefined = labels;
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string' || !Object.prototype.hasOwnProperty.call(node, part)) return key;
    node = node[part];
  }
  return typeof node === 'string' ? node : key;
}
