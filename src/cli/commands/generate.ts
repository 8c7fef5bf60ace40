/**
 * `reportflow generate <REPORT_CODE>` (or `--configuration <id>`, a saved preset, or `--template <id>`, a tenant template): asks for a report and prints its id; with `--wait` follows it
 * to the end and downloads the file (sha256 verified). Delivery (`--export`), notification
 * (`--webhook`, `--email`), `--filter`, `--metadata`, `--generate-at` and `--idempotency-key` become
 * the request's fields and header (see ../request-options.ts for their syntax).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { apiClient, type GlobalOptions } from '../connect.js';
import { errorLines, humanSize, reportFailure } from '../format.js';
import { EXIT, UsageError, type CliIo, type ExitCode } from '../io.js';
import { exportLocations, parseFilters, parseGenerateAt, parseMetadata, REQUEST_OPTIONS_HELP } from '../request-options.js';
import { waitForRun } from '../wait-for-run.js';

interface GenerateOptions extends GlobalOptions {
  param?: string[];
  /** Absent: `pdf`, unless a configuration is run (then its own format). */
  format?: string;
  configuration?: string;
  /** A tenant template's id (`template_id`), instead of a report code. */
  template?: string;
  language?: string;
  timezone?: string;
  customer?: string;
  webhook?: string;
  email?: string[];
  export?: string[];
  pathFormat?: string;
  formatType?: string;
  filter?: string[];
  metadata?: string[];
  generateAt?: string;
  idempotencyKey?: string;
  wait?: boolean;
  out?: string;
  json?: boolean;
  pollMs: number;
}

/** `name=value` → `{ name, value }`; the value keeps any further `=`. Typing is the API's job. */
export function parseParam(text: string): { name: string; value: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param expects name=value, got "${text}"`);
  return { name: text.slice(0, eq).trim(), value: text.slice(eq + 1) };
}

/** Collects a repeatable option's values (no default, so `--help` shows none). */
const repeatable = (v: string, all: string[] | undefined) => [...(all ?? []), v];

/** Adds `generate` to `program`; its action reports its exit code through `done`. */
export function registerGenerate(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('generate')
    .description('ask for a report; prints its id (with --wait: follows it and downloads the file)')
    .argument('[report_code]', 'report definition code, e.g. INVOICE (see `reportflow definitions`); not with --configuration')
    .option('-c, --configuration <id>', 'run this saved report configuration; the options given replace its fields of the same name, whole')
    .option('--template <id>', 'run this template (see `reportflow templates`), in its format unless --format says otherwise')
    .option('-p, --param <name=value>', 'a report parameter (repeatable)', repeatable)
    .option('-f, --format <format>', 'pdf, html, csv, xml or xlsx (default: pdf, or the configuration\'s)')
    .option('-l, --language <language>', 'en, no (= nb), sv, da or de (default: en)')
    .option('-t, --timezone <zone>', 'IANA time zone for dates and the period (default: the service\'s REPORTFLOW_DEFAULT_TIME_ZONE, UTC unless set)')
    .option('--customer <id>', 'customer id the report is for')
    .option('--export <location>', 'also deliver to a bucket or table, e.g. gcs:<integration>:gs://bucket/prefix (repeatable; syntax below)', repeatable)
    .option('--path-format <format>', 'object name under the prefix for gcs/s3 exports, from the tokens below')
    .option('--format-type <type>', 'what gcs/s3 exports hold: CSV, PARQUET or ORIGINAL (the rendered file)')
    .option('--webhook <url>', 'http(s) URL to POST the outcome to')
    .option('--email <address>', 'email the outcome to this address (repeatable)', repeatable)
    .option('--filter <field.op=value>', 'only rows matching this condition, e.g. quantity.gte=10 (repeatable; syntax below)', repeatable)
    .option('--metadata <key=value>', 'a free key/value stored with the request (repeatable)', repeatable)
    .option('--generate-at <instant>', 'start the run at this ISO-8601 instant with offset instead of at once')
    .option('--idempotency-key <key>', 'repeat-safe key: the same key and request again returns the first request')
    .option('-w, --wait', 'follow the run to its end and download the report')
    .option('-o, --out <file>', 'where to save the report (implies --wait; default: its file name)')
    .option('--json', 'print JSON instead of text')
    .option('--poll-ms <ms>', 'time between status polls with --wait, in ms', (v) => Number(v), 250)
    .action(async (reportCode: string | undefined, _opts: unknown, command: Command) => {
      done(await generate(reportCode, command.optsWithGlobals<GenerateOptions>(), io));
    })
    .addHelpText('after', REQUEST_OPTIONS_HELP);
}

/**
 * The POST body for `generate`'s options: with `--configuration`, only the fields the options give, so
 * the configuration's own stay (the API replaces a field given, whole).
 * @throws UsageError for a malformed option value, or for neither or both of a report code and `--configuration`.
 */
export function requestBody(reportCode: string | undefined, opts: Omit<GenerateOptions, 'pollMs'>): Record<string, unknown> {
  if ([reportCode, opts.configuration, opts.template].filter((v) => v !== undefined).length !== 1) throw new UsageError('give one of a report code, --configuration <id> and --template <id>');
  const locations = exportLocations(opts.export ?? [], { ...(opts.pathFormat !== undefined ? { pathFormat: opts.pathFormat } : {}), ...(opts.formatType !== undefined ? { formatType: opts.formatType } : {}) });
  const filters = parseFilters(opts.filter ?? []);
  const metadata = parseMetadata(opts.metadata ?? []);
  const notify = { ...(opts.webhook ? { webhook_url: opts.webhook } : {}), ...(opts.email?.length ? { emails: opts.email } : {}) };
  // A configuration and a template have a format of their own: only an explicit --format replaces it.
  const fromConfiguration = opts.configuration !== undefined || opts.template !== undefined;
  return {
    ...(opts.configuration !== undefined ? { report_configuration_id: opts.configuration } : opts.template !== undefined ? { template_id: opts.template } : { report_code: reportCode }),
    ...(!fromConfiguration || opts.param?.length ? { parameter_values: (opts.param ?? []).map(parseParam) } : {}),
    ...(opts.format !== undefined || !fromConfiguration ? { format: opts.format ?? 'pdf' } : {}),
    ...(opts.language ? { language: opts.language } : {}),
    ...(opts.timezone ? { timezone: opts.timezone } : {}),
    ...(opts.customer ? { customer_id: opts.customer } : {}),
    ...(Object.keys(notify).length ? { notify } : {}),
    ...(locations ? { export_location: locations } : {}),
    ...(filters ? { filters } : {}),
    ...(metadata ? { metadata } : {}),
    ...(opts.generateAt !== undefined ? { generate_at: parseGenerateAt(opts.generateAt) } : {}),
  };
}

async function generate(reportCode: string | undefined, opts: GenerateOptions, io: CliIo): Promise<ExitCode> {
  try {
    const body = requestBody(reportCode, opts);
    const client = apiClient(opts, io.config);
    const { run: created, replayed } = await client.createRequest(body, opts.idempotencyKey);
    if (replayed) io.stderr.write(`note: request ${created.id} was made earlier with this Idempotency-Key; nothing new was started\n`);
    if (!opts.wait && !opts.out) {
      io.stdout.write(opts.json ? JSON.stringify(created, null, 2) + '\n' : `${created.id}\n`);
      return EXIT.OK;
    }
    if (!opts.json) io.stdout.write(`${created.id}\n`);
    const run = await waitForRun(client, created.id, { intervalMs: opts.pollMs, progress: opts.json ? undefined : io.stdout });
    if (run.status !== 'SUCCEEDED' || !run.report) {
      if (opts.json) io.stdout.write(JSON.stringify(run, null, 2) + '\n');
      else if (run.error) io.stderr.write(errorLines(run.error));
      return EXIT.REFUSED;
    }
    const report = run.report;
    const saved = await client.download(run.id, () => path.resolve(opts.out ?? report.file_name), report.sha256);
    if (opts.json) io.stdout.write(JSON.stringify({ ...run, saved_to: saved.path }, null, 2) + '\n');
    else io.stdout.write(`saved ${path.relative(process.cwd(), saved.path) || saved.path} (${humanSize(saved.sizeBytes)}, sha256 verified)\n`);
    return EXIT.OK;
  } catch (err) {
    return reportFailure(err, io.stderr);
  }
}
