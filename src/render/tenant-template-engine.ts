/**
 * The sandbox tenant templates render in (src/templates): Handlebars environments of their own, one
 * per kind of escaping, with the shared helpers and nothing else — no partials (an include names
 * nothing that exists), no file access, no network (a PDF's page is printed by the locked-down
 * Chromium, which loads nothing from outside), Handlebars' refusal of prototype properties left on.
 * Every `{{ }}` value is escaped for the format: HTML for PDF/HTML, XML text and attribute content
 * for XML (characters XML cannot hold become U+FFFD), an RFC 4180 field for CSV (quoted when it holds
 * a comma, quote or line break); TXT prints values as they are. Bodies were walked at upload
 * (src/templates/template-fields.ts), so the work is linear in rows; the output is capped.
 */
import Handlebars from 'handlebars';
import { ReportError } from '../domain/errors.js';
import type { OutputFormat } from '../domain/report-request.js';
import { registerHelpers } from './helpers/index.js';
import type { TemplateContext } from './template-context.js';
import { xmlAttr } from './xml-text.js';

/** Most bytes (UTF-8) one render of a tenant template may produce. */
export const TENANT_TEMPLATE_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Compiled versions kept (template versions never change, so a cached one is never stale). */
const CACHE_ENTRIES = 200;

/** The template a tenant's run renders: its id and version key the cache; no id (a preview's inline body): not cached. */
export interface TenantTemplateSource {
  id?: string;
  version?: number;
  format: OutputFormat;
  body: string;
}

type Escaping = 'html' | 'xml' | 'csv' | 'none';
const ESCAPING: Record<OutputFormat, Escaping> = { PDF: 'html', HTML: 'html', XML: 'xml', CSV: 'csv', TXT: 'none', XLSX: 'none' };
/** The helper name the compiled code calls to escape; a tenant body cannot name it (not in TEMPLATE_HELPERS). */
const ESCAPE_HELPER = '__reportflowEscape';

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Handlebars.SafeString) return value.toHTML();
  return String(value);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The bits of Handlebars' JavaScriptCompiler (a constructor function) that a subclass replaces. */
interface CompilerPrototype {
  compiler: unknown;
  appendEscaped: () => void;
}
type CompilerClass = new () => CompilerPrototype;

/** One environment whose `{{ }}` calls `escape` instead of Handlebars' HTML escaping. */
function environment(escaping: Escaping): typeof Handlebars {
  const hb = Handlebars.create();
  registerHelpers(hb);
  if (escaping === 'xml' || escaping === 'csv') {
    const escape = escaping === 'xml' ? xmlAttr : csvField;
    hb.registerHelper(ESCAPE_HELPER, (value: unknown) => escape(asText(value)));
    // Handlebars' documented extension point: a JavaScriptCompiler subclass per environment.
    const env = hb as unknown as { JavaScriptCompiler: CompilerClass };
    const Base = env.JavaScriptCompiler;
    class EscapingCompiler extends Base {}
    const proto = EscapingCompiler.prototype as CompilerPrototype;
    proto.compiler = EscapingCompiler;
    proto.appendEscaped = function appendEscaped(this: { pushSource(s: unknown): void; appendToBuffer(parts: unknown[]): unknown; aliasable(name: string): unknown; popStack(): unknown }) {
      // Handlebars hands every helper an options object last (and sets a property on it): give it one.
      this.pushSource(this.appendToBuffer([this.aliasable(`container.helpers.${ESCAPE_HELPER}`), '(', this.popStack(), ', {})']));
    };
    env.JavaScriptCompiler = EscapingCompiler;
  }
  return hb;
}

export interface TenantTemplateEngine {
  /**
   * Renders `source` against `context`.
   * @throws ReportError('REPORT_TOO_LARGE') when the output passes `TENANT_TEMPLATE_MAX_OUTPUT_BYTES`.
   * @throws ReportError('TEMPLATE_RENDER_FAILED') when a helper throws (e.g. `sum` over text) or the body no longer compiles.
   */
  render(source: TenantTemplateSource, context: TemplateContext): string;
}

export function createTenantTemplateEngine(): TenantTemplateEngine {
  const environments = new Map<Escaping, typeof Handlebars>();
  const cache = new Map<string, Handlebars.TemplateDelegate<TemplateContext>>();
  const compile = (source: TenantTemplateSource) => {
    const escaping = ESCAPING[source.format];
    let hb = environments.get(escaping);
    if (!hb) environments.set(escaping, (hb = environment(escaping)));
    return hb.compile<TemplateContext>(source.body, { strict: false, noEscape: escaping === 'none' });
  };
  return {
    render(source, context) {
      const key = source.id === undefined ? undefined : `${source.id}@${source.version ?? 0}|${source.format}`;
      let template = key === undefined ? undefined : cache.get(key);
      if (!template) {
        try {
          template = compile(source);
        } catch (err) {
          throw new ReportError('TEMPLATE_RENDER_FAILED', `The template does not compile: ${(err as Error).message.split('\n')[0] ?? ''}`);
        }
        if (key !== undefined) {
          if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
          cache.set(key, template);
        }
      }
      let out: string;
      try {
        out = template(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
      } catch (err) {
        // The tenant's template, not the worker, is at fault: retrying renders the same failure.
        const message = (err as Error).message.split('\n')[0] ?? 'The template failed.';
        throw new ReportError('TEMPLATE_RENDER_FAILED', `The template failed while rendering: ${message}`, [{ field: 'template_id', code: 'TEMPLATE_RENDER_FAILED', message }]);
      }
      if (Buffer.byteLength(out, 'utf8') > TENANT_TEMPLATE_MAX_OUTPUT_BYTES) {
        throw new ReportError('REPORT_TOO_LARGE', `The template's output is larger than ${TENANT_TEMPLATE_MAX_OUTPUT_BYTES} bytes.`, [
          { field: 'template_id', code: 'REPORT_TOO_LARGE', message: `At most ${TENANT_TEMPLATE_MAX_OUTPUT_BYTES} bytes.` },
        ]);
      }
      return out;
    },
  };
}
