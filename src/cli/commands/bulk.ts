/**
 * `reportflow bulk start|show|zip|cancel`: bulk requests (one document per key of a period) through the
 * HTTP API. `start` prints the bulk id, or with `--wait` follows its progress until it ends.
 *
 *   reportflow bulk start INVOICE -f pdf --param from_date=2011-12-01 --param to_date=2011-12-09 --wait
 *   reportflow bulk start INVOICE -f pdf --param from_date=2011-12-01 --param to_date=2011-12-09 --zip --webhook-url https://example.com/hook
 *   reportflow bulk show <id>
 *   reportflow bulk zip <id> -o invoices.zip
 */
import type { Command } from 'commander';
import type { GlobalOptions } from '../connect.js';
import { saveFileAction } from './download.js';
import { EXIT, UsageError, type CliIo, type ExitCode } from '../io.js';
import { resourceActions } from '../resource-action.js';
import { resourceCall, type ResourceJson } from '../resource-call.js';

type Options = GlobalOptions & { json?: boolean; format?: string; language?: string; timezone?: string; param?: string[]; concurrency?: string; wait?: boolean; pollMs?: string; zip?: boolean; webhookUrl?: string };

/** `name=value` pairs as the API's `parameter_values`. @throws UsageError on a pair without `=`. */
function parameterValues(pairs: string[]): { name: string; value: string }[] {
  return pairs.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--param ${pair}: expected name=value`);
    return { name: pair.slice(0, at), value: pair.slice(at + 1) };
  });
}

export function registerBulk(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  const cmd = program.command('bulk').description('bulk requests: one document per key of a period (every invoice of a month)');
  const call = (opts: GlobalOptions, method: 'GET' | 'POST', path: string, body?: unknown) => resourceCall(opts, io.config, method, '/v1/report-bulk-requests', path, body);
  const act = resourceActions<Options>(io, done);
  /** A bulk request that ended FAILED or CANCELLED exits 2, as a failed run does. */
  const ended = (r: ResourceJson | undefined) => (r?.status === 'FAILED' || r?.status === 'CANCELLED' ? EXIT.REFUSED : EXIT.OK);

  cmd.command('start').description('start a bulk request; prints its id (or, with --wait, its end)').argument('<report-code>')
    .requiredOption('-f, --format <format>', 'output format of every document, e.g. pdf')
    .option('-l, --language <lang>', 'language')
    .option('-t, --timezone <zone>', 'IANA time zone of the period')
    .option('-p, --param <name=value>', 'a parameter of the keys query (repeatable), e.g. from_date=2011-12-01', (v: string, all: string[] = []) => [...all, v])
    .option('--concurrency <n>', 'documents in production at once (1-64)')
    .option('--zip', 'end by putting every succeeded document into one ZIP (see `bulk zip`)')
    .option('--webhook-url <url>', 'where to send the one bulk_request.* event when it ends')
    .option('--wait', 'follow the progress until the bulk request ends')
    .option('--poll-ms <ms>', 'with --wait: how often to read the progress', '1000')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [code]) => {
      const body = {
        report_code: code, format: o.format,
        ...(o.language ? { language: o.language } : {}),
        ...(o.timezone ? { timezone: o.timezone } : {}),
        ...(o.concurrency ? { concurrency: Number(o.concurrency) } : {}),
        ...(o.zip ? { zip: true } : {}),
        ...(o.webhookUrl ? { notify: { webhook_url: o.webhookUrl } } : {}),
        parameter_values: parameterValues(o.param ?? []),
      };
      const started = (await call(o, 'POST', '', body))!;
      if (!o.wait) return started;
      let view = started;
      while (view.status === 'RUNNING') {
        await new Promise((resolve) => setTimeout(resolve, Number(o.pollMs)));
        view = (await call(o, 'GET', `/${encodeURIComponent(String(started.id))}`))!;
        if (!o.json) io.stderr.write(`${String(view.ended)} of ${String(view.total ?? '?')} documents ended\n`);
      }
      return view;
    }, (r) => (r?.status === 'RUNNING' ? `${String(r.id)}\n` : detailText(r ?? {})), ended));

  cmd.command('show').description('a bulk request\'s progress').argument('<id>')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [id]) => call(o, 'GET', `/${encodeURIComponent(id!)}`), (r) => detailText(r ?? {}), ended));

  cmd.command('zip').description('save the ZIP of a bulk request started with --zip (sha256 verified)').argument('<id>')
    .option('-o, --out <file>', 'where to save it (default: the ZIP\'s file name)')
    .action(saveFileAction(io, done, (client, id, choosePath) => client.downloadBulkZip(id, choosePath), (id) => `${id}.zip`));

  cmd.command('cancel').description('start no more documents and cancel those in production').argument('<id>')
    .action(act(async (o, [id]) => call(o, 'POST', `/${encodeURIComponent(id!)}/cancel`), () => 'cancelling\n'));
}

/** The bulk request as aligned `label  value` lines. */
function detailText(b: ResourceJson): string {
  const params = ((b.parameter_values ?? []) as { name: string; value: unknown }[]).map((p) => `${p.name}=${String(p.value)}`).join(' ');
  const rows: [string, string][] = [
    ['id', String(b.id)],
    ['report', `${String(b.report_code)} · ${String(b.format)} · one per ${String(b.key_parameter)}${params ? ` · ${params}` : ''}`],
    ['status', String(b.status)],
    ['documents', `${String(b.ended)} of ${String(b.total ?? '?')} ended: ${String(b.succeeded ?? '?')} succeeded, ${String(b.failed ?? '?')} failed, ${String(b.cancelled ?? '?')} cancelled`],
    ...((b.failures ?? []) as { key: string; code: string }[]).map((f): [string, string] => ['failed', `${f.key} ${f.code}`]),
    ...(b.zip ? [['zip', `${String(b.zip.file_name)} · ${String(b.zip.entries)} documents · ${String(b.zip.size_bytes)} bytes · sha256 ${String(b.zip.sha256)}`] as [string, string]] : []),
    ['documents list', `POST /v1/report-generate-requests/search ${JSON.stringify(b.documents_search)}`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(16)} ${v}\n`).join('');
}
