/**
 * `reportflow templates list|get|create|update|delete|preview`: tenant templates through the HTTP
 * API. A spec is a JSON file with the API's field names; `--body` reads the Handlebars body from a
 * file of its own, so the layout can be written as it is. Run one with `reportflow generate` and
 * `--template <id>`… or a request body naming `template_id`.
 *
 *   reportflow templates create return.json --body return.xml.hbs   # {"name": …, "format": "XML", "dataset": "invoice_lines"}
 *   reportflow templates preview preview.json > preview.xml         # {"template_id": "…", "parameter_values": […], "rows": 5}
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { GlobalOptions } from '../connect.js';
import { UsageError, type CliIo, type ExitCode } from '../io.js';
import { jsonFile } from '../json-file.js';
import { fetchPages } from '../pages.js';
import { resourceActions } from '../resource-action.js';
import { resourceCall, resourceText, type ResourceJson } from '../resource-call.js';
import type { PageBody } from '../wire-types.js';

type Options = GlobalOptions & { json?: boolean; dataset?: string; name?: string; body?: string };
const RESOURCE = '/v1/templates';

/** The spec in `file`, with `body` read from `bodyFile` when given. @throws UsageError when a file cannot be read. */
async function specFile(file: string, bodyFile: string | undefined): Promise<ResourceJson> {
  const spec = await jsonFile(file);
  if (bodyFile === undefined) return spec;
  try {
    return { ...spec, body: await readFile(bodyFile, 'utf8') };
  } catch (err) {
    throw new UsageError(`${bodyFile}: ${(err as Error).message}`);
  }
}

export function registerTemplates(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  const cmd = program.command('templates').description('tenant templates over datasets: list, get, create, update (a new version), delete, preview');
  const act = resourceActions<Options>(io, done);
  const call = (opts: GlobalOptions, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => resourceCall(opts, io.config, method, RESOURCE, path, body);

  cmd.command('list').description('list templates, oldest first (every page)')
    .option('--dataset <name>', 'only templates reading this dataset')
    .option('--name <text>', 'only names containing this text (any case)')
    .option('--json', 'print the API\'s JSON (every item in one page)')
    .action(act(async (o) => {
      const query = (cursor: string | undefined) => new URLSearchParams({ limit: '100', ...(o.dataset ? { dataset: o.dataset } : {}), ...(o.name ? { name: o.name } : {}), ...(cursor ? { cursor } : {}) }).toString();
      return fetchPages(async (cursor) => (await call(o, 'GET', `?${query(cursor)}`)) as PageBody<ResourceJson>, { all: true });
    }, (r) => ((r?.items ?? []) as ResourceJson[]).map((t) => `${t.id}  v${t.version}  ${t.dataset} ${t.format}  "${t.name}"\n`).join('') || 'no templates\n'));

  cmd.command('get').description('show one template (its current version; --json for the body)').argument('<id>')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [id]) => call(o, 'GET', `/${encodeURIComponent(id!)}`), (r) => detailText(r!)));

  cmd.command('create').description('upload a template from a JSON spec (name, format, dataset, body, parameters, filters)').argument('<file>')
    .option('--body <file>', 'read the Handlebars body from this file')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [file]) => call(o, 'POST', '', await specFile(file!, o.body)), (r) => detailText(r!)));

  cmd.command('update').description('replace a template\'s spec: a new version (runs made before keep theirs)').argument('<id>').argument('<file>')
    .option('--body <file>', 'read the Handlebars body from this file')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [id, file]) => call(o, 'PUT', `/${encodeURIComponent(id!)}`, await specFile(file!, o.body)), (r) => detailText(r!)));

  cmd.command('delete').description('delete a template (runs made from it keep naming it)').argument('<id>')
    .action(act(async (o, [id]) => call(o, 'DELETE', `/${encodeURIComponent(id!)}`), () => 'deleted\n'));

  cmd.command('preview').description('render a template against the first rows of its dataset and print the file (body: template_id or template, parameter_values, filters, rows)').argument('<file>')
    .action(act(async (o, [file]) => resourceText(o, io.config, 'POST', RESOURCE, '/preview', await jsonFile(file!)), () => ''));
}

/** The template as aligned `label  value` lines, without its body (see --json). */
function detailText(t: ResourceJson): string {
  const rows: [string, string][] = [['id', String(t.id)], ['name', String(t.name)], ['version', String(t.version)], ['template', `${t.dataset} · ${t.format}`], ['body', `${String(t.body ?? '').split('\n').length} lines`]];
  for (const key of ['parameters', 'filters'] as const) if (t[key] !== undefined) rows.push([key, JSON.stringify(t[key])]);
  return rows.map(([k, v]) => `${k.padEnd(16)} ${v}\n`).join('');
}
