/**
 * The action of a resource subcommand (`configurations`, `templates`, `bulk`): reads the command's
 * options, runs the call, prints the API's JSON (`--json`) or the command's text, and sets the exit code;
 * a failure is reported as every CLI command reports it (src/cli/format.ts).
 */
import type { Command } from 'commander';
import { reportFailure } from './format.js';
import { EXIT, type CliIo, type ExitCode } from './io.js';
import type { ResourceJson } from './resource-call.js';

/**
 * A factory of commander actions over `io`, ending each with `done(code)`.
 * `act(fn, text, exitOf)`: `fn` gets the options (with globals) and the positional arguments ('' for an
 * optional one left out); a string it
 * returns is printed as it is (a file's text), else its JSON with `--json`, else `text(result)`;
 * the exit code is `exitOf(result)` (default 0).
 */
export function resourceActions<O extends { json?: boolean }>(io: CliIo, done: (code: ExitCode) => void) {
  return (
    fn: (opts: O, args: string[]) => Promise<ResourceJson | string | undefined>,
    text: (r: ResourceJson | undefined) => string,
    exitOf: (r: ResourceJson | undefined) => ExitCode = () => EXIT.OK,
  ) =>
    async (...args: unknown[]) => {
      // commander passes the positional argument(s), then the options, then the command.
      const command = args.at(-1) as Command;
      const opts = command.optsWithGlobals<O>();
      try {
        // An optional argument left out arrives as undefined: it is passed as ''.
        const result = await fn(opts, args.slice(0, -2).map((a) => (a === undefined ? '' : String(a))));
        io.stdout.write(typeof result === 'string' ? result : opts.json ? JSON.stringify(result ?? {}, null, 2) + '\n' : text(result));
        done(typeof result === 'string' ? EXIT.OK : exitOf(result));
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    };
}
