/**
 * Handlebars passes a helper its positional arguments followed by an options object; these helpers
 * separate the two and find the request's language and time zone on the root context.
 */
import type { HelperOptions } from 'handlebars';
import type { Language } from '../../domain/report-request.js';
import type { TemplateContext } from '../template-context.js';
import type { FormatSettings } from './intl-format.js';

/** Positional arguments (options removed) and the options object. */
export function splitArgs(args: unknown[]): { values: unknown[]; options: HelperOptions | undefined } {
  const last = args[args.length - 1];
  const isOptions = typeof last === 'object' && last !== null && 'hash' in last && 'data' in last;
  return isOptions ? { values: args.slice(0, -1), options: last as HelperOptions } : { values: args, options: undefined };
}

/** The render's root context, when the helper runs inside a template render. */
export function rootContext(options: HelperOptions | undefined): Partial<TemplateContext> {
  const data = options?.data as { root?: Partial<TemplateContext> } | undefined;
  return data?.root ?? {};
}

/** Language and zone of the render; `en` and UTC when the root does not say. */
export function formatSettings(options: HelperOptions | undefined): FormatSettings {
  const request = rootContext(options).request;
  return { language: (request?.language ?? 'en') as Language, timeZone: request?.timezone ?? 'UTC' };
}
