/** Prints the README's configuration table from src/config/settings.ts (the single source). */
import { SETTINGS } from '../src/config/settings.js';

const rows = Object.values(SETTINGS).map((s) => {
  const def = s.default === undefined ? '—' : s.env === 'REPORTFLOW_HOME' ? 'current directory' : s.default === '' ? '(derived)' : `\`${String(s.default)}\``;
  return `| \`${s.env}\` | ${def} | ${s.description.replace(/\|/g, '\\|')} |`;
});
console.log(['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n'));
