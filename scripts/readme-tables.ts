/**
 * Rewrites README.md's generated tables from their single sources, between marker comments:
 * `<!-- config-table -->` … `<!-- /config-table -->` from src/config/settings.ts and
 * `<!-- error-table -->` … `<!-- /error-table -->` from src/domain/errors.ts.
 * Usage: node --import tsx scripts/readme-tables.ts   (test/unit/docs.test.ts checks README is current)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../src/config/settings.js';
import { ERROR_CODES } from '../src/domain/errors.js';

const escape = (s: string) => s.replace(/\|/g, '\\|');

export function configTable(): string {
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...Object.values(SETTINGS).map((s) => {
    const def = s.default === undefined ? '—' : s.env === 'REPORTFLOW_HOME' ? 'current directory' : s.default === '' ? '(derived)' : `\`${String(s.default)}\``;
    return `| \`${s.env}\` | ${def} | ${escape(s.description)} |`;
  })].join('\n');
}

export function errorTable(): string {
  return ['| code | HTTP | retry helps | when |', '| --- | --- | --- | --- |', ...Object.entries(ERROR_CODES).map(([code, spec]) =>
    `| \`${code}\` | ${spec.httpStatus} | ${spec.retryable ? 'yes' : 'no'} | ${escape(spec.description)} |`)].join('\n');
}

/** `readme` with each marked block replaced by its generated table. */
export function withTables(readme: string): string {
  const put = (text: string, name: string, table: string) =>
    text.replace(new RegExp(`<!-- ${name} -->[\\s\\S]*?<!-- /${name} -->`), () => `<!-- ${name} -->\n${table}\n<!-- /${name} -->`);
  return put(put(readme, 'config-table', configTable()), 'error-table', errorTable());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = new URL('../README.md', import.meta.url);
  writeFileSync(file, withTables(readFileSync(file, 'utf8')));
}
