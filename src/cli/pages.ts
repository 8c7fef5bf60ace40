/**
 * Listings (`reportflow list`, `reportflow reports list`): one page, or with `--all` every page by
 * following `next_cursor`; printed as a table or as the API's JSON.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { table } from './format.js';
import type { CliIo } from './io.js';
import type { PageBody } from './wire-types.js';

/** Options every listing takes. */
export interface PageOptions {
  limit?: number;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

/**
 * Adds the options every listing takes (`PageOptions`: --limit, --cursor, --all, --json) to `command`.
 * @param noun what the items are, plural (`requests`), for the help text.
 */
export function addPageOptions(command: Command, noun: string): Command {
  return command
    .option('--limit <n>', `${noun} per page, 1 to 100 (default: the API's, 20)`, limitOption)
    .option('--cursor <cursor>', 'the page to show: a cursor printed by an earlier list')
    .option('--all', 'follow the cursors and show every page')
    .option('--json', 'print the API\'s JSON (with --all: every item in one page)');
}

/**
 * The page at `options.cursor` (the first when unset), or with `options.all` that page and every one
 * after it as one page (`next_cursor` null, `total` as the last page said).
 * @throws whatever `fetchPage` throws; Error when the API hands out a cursor a second time (a loop).
 */
export async function fetchPages<T>(fetchPage: (cursor: string | undefined) => Promise<PageBody<T>>, options: PageOptions): Promise<PageBody<T>> {
  let page = await fetchPage(options.cursor);
  if (!options.all) return page;
  const items = [...page.items];
  const seen = new Set<string>();
  while (page.next_cursor !== null) {
    if (seen.has(page.next_cursor)) throw new Error(`the API gave cursor ${page.next_cursor} twice; stopping`);
    seen.add(page.next_cursor);
    page = await fetchPage(page.next_cursor);
    items.push(...page.items);
  }
  return { items, next_cursor: null, total: page.total };
}

/** A table column: its header and how an item fills it. */
export type Column<T> = [header: string, cell: (item: T) => string];

/**
 * Prints `page` as JSON (`--json`) or as a table of `columns` on stdout; on stderr, that nothing
 * matched, or how many of the total were shown and the cursor of the next page.
 * @param noun what the items are, plural (`report requests`).
 */
export function printPage<T>(page: PageBody<T>, columns: Column<T>[], options: PageOptions, io: Pick<CliIo, 'stdout' | 'stderr'>, noun: string): void {
  if (options.json) {
    io.stdout.write(JSON.stringify(page, null, 2) + '\n');
    return;
  }
  if (page.items.length === 0) {
    io.stderr.write(`no ${noun}${page.total > 0 ? ` on this page (${page.total} in all)` : ''}\n`);
    return;
  }
  io.stdout.write(table(columns.map(([header]) => header), page.items.map((item) => columns.map(([, cell]) => cell(item)))));
  if (page.next_cursor !== null) {
    io.stderr.write(`${page.items.length} of ${page.total} ${noun} shown; for more, repeat with --cursor ${page.next_cursor} or use --all\n`);
  }
}

/** `--limit`'s parser: a whole number from 1 to 100 (the API's page size bounds). @throws InvalidArgumentError (exit 2 with usage) */
export function limitOption(text: string): number {
  const n = /^\d{1,3}$/.test(text) ? Number(text) : 0;
  if (n < 1 || n > 100) throw new InvalidArgumentError('expects a whole number from 1 to 100.');
  return n;
}
