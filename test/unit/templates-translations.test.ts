/**
 * Every language has every label: wherever templates/ holds an `i18n/en.json`, each language with
 * translations of its own (all but `nb`, which reads `no`'s) has a file with the same keys, and each
 * shipped report has a title in every such language. A label missing in one language would print
 * as its key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LANGUAGES, translationLanguage } from '../../src/domain/report-request.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const OWN_FILES = [...new Set(LANGUAGES.map(translationLanguage))];

type Tree = { [key: string]: string | Tree };

function keysOf(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keysOf(v, `${prefix}${k}.`))).sort();
}

void test('each i18n folder has a file per language with the keys of en.json', () => {
  const folders = readdirSync(TEMPLATES).map((d) => path.join(TEMPLATES, d, 'i18n')).filter((d) => existsSync(path.join(d, 'en.json')));
  assert.ok(folders.length >= 3, `found ${folders.length} i18n folders`);
  for (const folder of folders) {
    const english = keysOf(JSON.parse(readFileSync(path.join(folder, 'en.json'), 'utf8')) as Tree);
    for (const language of OWN_FILES) {
      const file = path.join(folder, `${language}.json`);
      assert.ok(existsSync(file), `${path.relative(TEMPLATES, file)} is missing`);
      assert.deepEqual(keysOf(JSON.parse(readFileSync(file, 'utf8')) as Tree), english, `${path.relative(TEMPLATES, file)} has the keys of en.json`);
    }
  }
});

void test('each shipped report has a title in every language with translations of its own', () => {
  for (const dir of readdirSync(TEMPLATES).filter((d) => existsSync(path.join(TEMPLATES, d, 'report.json')))) {
    const { title } = JSON.parse(readFileSync(path.join(TEMPLATES, dir, 'report.json'), 'utf8')) as { title: Record<string, string> };
    assert.deepEqual(OWN_FILES.filter((l) => !title[l]), [], `${dir}/report.json title`);
  }
});
