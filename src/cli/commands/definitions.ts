/**
 * `reportflow definitions`: the reports this service can make, their formats and parameters.
 */
import type { Command } from 'commander';
import { apiClient, type GlobalOptions } from '../connect.js';
import { reportFailure } from '../format.js';
import { EXIT, type CliIo, type ExitCode } from '../io.js';

interface DefinitionBody {
  code: string;
  title: { en: string; no: string };
  formats: string[];
  parameters: { properties?: Record<string, { type?: string | string[]; format?: string; default?: unknown; description?: string }>; required?: string[] };
}

export function registerDefinitions(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('definitions')
    .description('list the report definitions, their formats and parameters')
    .option('--json', 'print the API\'s JSON')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      try {
        const items = (await apiClient(opts, io.config).definitions()) as unknown as DefinitionBody[];
        io.stdout.write(opts.json ? JSON.stringify(items, null, 2) + '\n' : items.map(definitionText).join('\n'));
        done(EXIT.OK);
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    });
}

/** `INVOICE  Invoice  [PDF, HTML]` and one line per parameter (`*` = required) with its description. */
export function definitionText(def: DefinitionBody): string {
  const required = new Set(def.parameters.required ?? []);
  const lines = [`${def.code}  ${def.title.en}  [${def.formats.join(', ')}]`];
  for (const [name, schema] of Object.entries(def.parameters.properties ?? {})) {
    // `["integer", "null"]` reads as an optional integer: null is what leaving it out means.
    const types = [schema.type ?? 'any'].flat().filter((t) => t !== 'null');
    const type = schema.format ?? types.join('|');
    const extra = schema.default !== undefined && schema.default !== null ? ` (default ${JSON.stringify(schema.default)})` : '';
    const about = schema.description ? `  ${schema.description}` : '';
    lines.push(`  --param ${name}=<${type}>${required.has(name) ? ' *' : ''}${extra}${about}`);
  }
  return lines.join('\n') + '\n';
}
