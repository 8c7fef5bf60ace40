/**
 * `reportflow subscriptions create|list|show|pause|resume|trigger|backfill|delete`: recurring
 * reports (each a Temporal Schedule) through the HTTP API.
 *
 *   reportflow subscriptions create INVOICE_LINES -p customer_id=12347 -f csv -t Europe/Oslo --frequency MONTHLY --day-of-month LAST --time 06:00
 *   reportflow subscriptions create --template <template id> -t UTC --frequency MONTHLY --day-of-month 1
 *   reportflow subscriptions backfill <id> --from 2025-01-01 --to 2025-04-01
 */
import type { Command } from 'commander';
import type { GlobalOptions } from '../connect.js';
import { reportFailure } from '../format.js';
import { EXIT, UsageError, type CliIo, type ExitCode } from '../io.js';
import { fetchPages } from '../pages.js';
import type { PageBody } from '../wire-types.js';
import { parseParam } from './generate.js';
import { subscriptionsCall, type SubscriptionJson } from './subscriptions-client.js';

interface CreateOptions extends GlobalOptions {
  param: string[];
  template?: string;
  format?: string;
  language?: string;
  timezone: string;
  frequency: string;
  time?: string;
  dayOfWeek?: string;
  dayOfMonth?: string;
  cron?: string;
  name?: string;
  webhook?: string;
  inactive?: boolean;
  json?: boolean;
}

export function registerSubscriptions(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  const sub = program.command('subscriptions').description('recurring reports: create, list, show, pause, resume, trigger, backfill, delete');
  /** Runs `fn` and prints its JSON (with --json) or `text(result)`. */
  const act = (fn: (opts: GlobalOptions & { json?: boolean }, arg: string) => Promise<SubscriptionJson | undefined>, text: (r: SubscriptionJson | undefined) => string) =>
    async (...args: unknown[]) => {
      // commander passes the positional argument(s), then the options, then the command.
      const command = args.at(-1) as Command;
      const opts = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      try {
        const result = await fn(opts, String(args[0]));
        io.stdout.write(opts.json ? JSON.stringify(result ?? {}, null, 2) + '\n' : text(result));
        done(EXIT.OK);
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    };
  const call = (opts: GlobalOptions, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) => subscriptionsCall(opts, io.config, method, path, body);

  sub.command('create')
    .description('subscribe to a report; prints the subscription and its next run times')
    .argument('[report_code]', 'report definition code; not with --template')
    .option('--template <id>', 'run this tenant template instead (each run renders its version current then), in its format unless --format says otherwise')
    .option('-p, --param <name=value>', 'a report parameter (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('-f, --format <format>', 'pdf, html, csv, xml or xlsx (default: pdf, or the template\'s)')
    .option('-l, --language <language>', 'en, no (= nb), sv, da or de')
    .requiredOption('-t, --timezone <zone>', 'IANA time zone of the schedule and the periods')
    .requiredOption('--frequency <frequency>', 'DAILY, WEEKLY, TWICE_A_MONTH, MONTHLY or CUSTOM')
    .option('--time <HH:mm>', 'local time of day (default 00:00)')
    .option('--day-of-week <day>', 'WEEKLY: MONDAY … SUNDAY')
    .option('--day-of-month <day>', 'MONTHLY: 1–28 or LAST')
    .option('--cron <expr>', 'CUSTOM: five cron fields, in the time zone')
    .option('--name <name>', 'a name for the subscription')
    .option('--webhook <url>', 'http(s) URL to POST each run\'s outcome to')
    .option('--inactive', 'create it paused')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, reportCode) => {
      const opts = o as CreateOptions;
      // `act` hands an absent argument over as the text 'undefined'.
      const code = reportCode === 'undefined' ? undefined : reportCode;
      if ((code === undefined) === (opts.template === undefined)) throw new UsageError('give a report code or --template <id>, one of them');
      const dom = opts.dayOfMonth === undefined ? undefined : opts.dayOfMonth.toUpperCase() === 'LAST' ? 'LAST' : Number(opts.dayOfMonth);
      return call(opts, 'POST', '', {
        ...(code !== undefined ? { report_code: code } : { template_id: opts.template }),
        parameter_values: opts.param.map(parseParam),
        // A template makes its own format: only an explicit --format replaces it.
        ...(opts.format !== undefined || code !== undefined ? { format: opts.format ?? 'pdf' } : {}),
        timezone: opts.timezone,
        ...(opts.language ? { language: opts.language } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.webhook ? { notify: { webhook_url: opts.webhook } } : {}),
        ...(opts.inactive ? { active: false } : {}),
        schedule: {
          frequency: opts.frequency.toUpperCase(),
          ...(opts.time ? { time_of_day: opts.time } : {}),
          ...(opts.dayOfWeek ? { day_of_week: opts.dayOfWeek.toUpperCase() } : {}),
          ...(dom !== undefined ? { day_of_month: dom } : {}),
          ...(opts.cron ? { cron: opts.cron } : {}),
        },
      });
    }, (r) => detailText(r!)));

  sub.command('list')
    .description('list subscriptions, oldest first (every page)')
    .option('--report-code <code>', 'only this report')
    .option('--template <id>', 'only subscriptions of this template')
    .option('--json', 'print the API\'s JSON (every item in one page)')
    .action(act(async (o) => {
      const { reportCode, template } = o as { reportCode?: string; template?: string };
      const query = (cursor: string | undefined) => [reportCode ? `report_code=${encodeURIComponent(reportCode)}` : '', template ? `template_id=${encodeURIComponent(template)}` : '', cursor ? `cursor=${encodeURIComponent(cursor)}` : ''].filter(Boolean).join('&');
      return fetchPages(async (cursor) => (await call(o, 'GET', `?${query(cursor)}`)) as PageBody<SubscriptionJson>, { all: true });
    }, (r) => ((r?.items ?? []) as SubscriptionJson[]).map((s) => `${s.id}  ${s.active ? 'active' : 'paused'}  ${whatRuns(s)} ${s.format}  ${s.summary}${s.name ? `  "${s.name}"` : ''}\n`).join('') || 'no subscriptions\n'));

  sub.command('show').description('show one subscription with next and last runs').argument('<id>')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, id) => call(o, 'GET', `/${encodeURIComponent(id)}`), (r) => detailText(r!)));

  for (const verb of ['pause', 'resume'] as const) {
    sub.command(verb).description(`${verb} a subscription (its Temporal Schedule too)`).argument('<id>')
      .option('--note <text>', 'why (shown with the subscription)')
      .option('--json', 'print the API\'s JSON')
      .action(act(async (o, id) => call(o, 'POST', `/${encodeURIComponent(id)}/${verb}`, (o as { note?: string }).note ? { note: (o as { note?: string }).note } : {}), (r) => detailText(r!)));
  }

  sub.command('trigger').description('one run now (for the period that ends now), or for --from/--to').argument('<id>')
    .option('--from <date>', 'start of an explicit period (ISO date or instant)')
    .option('--to <date>', 'end of the period, exclusive')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, id) => {
      const { from, to } = o as { from?: string; to?: string };
      return call(o, 'POST', `/${encodeURIComponent(id)}/trigger`, from || to ? { from, to } : {});
    }, (r) => (r?.run_id ? `triggered ${r.run_id} (${r.period.from} – ${r.period.to})\n` : `triggered ${r?.id}\n`)));

  sub.command('backfill').description('one run per scheduled time in [from, to), each for its own period').argument('<id>')
    .requiredOption('--from <date>', 'ISO date (local midnight) or instant')
    .requiredOption('--to <date>', 'exclusive end')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, id) => {
      const { from, to } = o as { from: string; to: string };
      return call(o, 'POST', `/${encodeURIComponent(id)}/backfill`, { from, to });
    }, (r) => `backfill of ${r?.id}: ${r?.runs} runs from ${r?.from} to ${r?.to}\n`));

  sub.command('delete').description('delete a subscription and its schedule (started runs finish)').argument('<id>')
    .action(act(async (o, id) => call(o, 'DELETE', `/${encodeURIComponent(id)}`), () => 'deleted\n'));
}

/** What a subscription runs: `template <id>` or its report code. */
function whatRuns(s: SubscriptionJson): string {
  return s.template_id ? `template ${String(s.template_id)}` : String(s.report_code);
}

/** The subscription as aligned `label  value` lines. */
export function detailText(s: SubscriptionJson): string {
  const rows: [string, string][] = [
    ['id', s.id],
    ['report', `${whatRuns(s)} ${(s.parameter_values as { name: string; value: unknown }[]).map((p) => `${p.name}=${String(p.value)}`).join(' ')} · ${s.format} ${s.language}`],
    ['schedule', s.summary],
    ['state', s.active ? 'active' : `paused${s.paused_reason ? ` (${s.paused_reason})` : ''}`],
  ];
  if (s.notify?.webhook_url) rows.push(['webhook', s.notify.webhook_url]);
  if (s.notify?.emails?.length) rows.push(['emails', (s.notify.emails as string[]).join(', ')]);
  for (const l of (s.export_location ?? []) as SubscriptionJson[]) {
    if (l.variant !== 'LOCAL') rows.push(['export', `${l.variant} ${l.integration_id} ${l.bucket_path ?? `${l.dataset_id}.${l.stream_name}`}`]);
  }
  if (s.next_run_times?.length) rows.push(['next runs', (s.next_run_times as string[]).slice(0, 3).join(', ')]);
  for (const r of (s.last_runs ?? []) as SubscriptionJson[]) rows.push(['ran', `${r.nominal_time} ${r.status}${r.period ? ` ${r.period.from_date}..${r.period.to_date}` : ''}`]);
  if (s.missed_periods?.length) rows.push(['missed', (s.missed_periods as SubscriptionJson[]).map((p) => `${p.from_date}..${p.to_date}`).join(', ')]);
  return rows.map(([k, v]) => `${k.padEnd(10)} ${v}\n`).join('');
}
