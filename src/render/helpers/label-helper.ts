/** `{{t 'invoice.total'}}`: the label for the request's language; a missing key prints the key itself. */
import type { HelperDelegate } from 'handlebars';
import { lookupLabel } from '../labels.js';
import { rootContext, splitArgs } from './helper-args.js';

export const labelHelpers: Record<string, HelperDelegate> = {
  t(...args: unknown[]) {
    const { values, options } = splitArgs(args);
    return lookupLabel(rootContext(options).labels, String(values[0] ?? ''));
  },
};
