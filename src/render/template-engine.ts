/**
 * The template engine: Handlebars text out, nothing else (the PDF recipe is separate). One isolated
 * `Handlebars.create()` environment per engine, so helpers and partials never leak into or from
 * other code; templates and partials are compiled once and cached. Escaping stays on for HTML: data
 * reaches the page only through `{{ }}`; text templates (TXT) print values unescaped.
 *
 * Shared assets live in `templates/_shared/`:
 * - `partials/<name>.hbs` → `{{> name}}`
 * - `css/report.css`      → `{{> styles}}` (a `<style>` element, so pages need no network)
 * - `i18n/<language>.json` → labels (see labels.ts)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Language } from '../domain/report-request.js';
import { registerHelpers } from './helpers/index.js';
import { loadLabels, type Labels } from './labels.js';
import type { TemplateContext } from './template-context.js';
import { createTenantTemplateEngine, type TenantTemplateSource } from './tenant-template-engine.js';

export interface TemplateEngine {
  /**
   * Renders the template at `templatePath` (absolute; compiled on first use, then cached). HTML
   * templates escape every `{{ }}` value; a text template (`text: true`, for TXT) prints values as
   * they are, since no browser reads it.
   * @throws Error when the file is missing or is not valid Handlebars.
   */
  render(templatePath: string, context: TemplateContext, options?: { text?: boolean }): string;
  /** Renders a tenant's template in its sandbox (src/render/tenant-template-engine.ts, whose errors it throws). */
  renderTenant(source: TenantTemplateSource, context: TemplateContext): string;
  /** Shared labels merged with those of the definition in `definitionDir` (cached). */
  labels(definitionDir: string, language: Language): Labels;
}

export interface TemplateEngineOptions {
  /** The `templates/` folder holding `_shared/`. */
  templatesDir: string;
}

/** Builds the engine and loads the shared partials and CSS once. @throws Error on unreadable assets. */
export function createTemplateEngine(options: TemplateEngineOptions): TemplateEngine {
  const hb = Handlebars.create();
  registerHelpers(hb);
  registerSharedPartials(hb, path.join(options.templatesDir, '_shared'));
  const templates = new Map<string, Handlebars.TemplateDelegate<TemplateContext>>();
  const labelCache = new Map<string, Labels>();
  const tenant = createTenantTemplateEngine();

  return {
    render(templatePath, context, renderOptions = {}) {
      const text = renderOptions.text === true;
      const key = `${text ? 'text' : 'html'}|${templatePath}`;
      let template = templates.get(key);
      if (!template) {
        // strict: false so a missing optional field prints nothing instead of failing the report.
        template = hb.compile<TemplateContext>(readFileSync(templatePath, 'utf8'), { noEscape: text, strict: false });
        templates.set(key, template);
      }
      return template(context);
    },
    renderTenant: (source, context) => tenant.render(source, context),
    labels(definitionDir, language) {
      const key = `${definitionDir}|${language}`;
      let labels = labelCache.get(key);
      if (!labels) labelCache.set(key, (labels = loadLabels(options.templatesDir, definitionDir, language)));
      return labels;
    },
  };
}

function registerSharedPartials(hb: typeof Handlebars, sharedDir: string): void {
  const partialsDir = path.join(sharedDir, 'partials');
  if (existsSync(partialsDir)) {
    for (const file of readdirSync(partialsDir)) {
      if (!file.endsWith('.hbs')) continue;
      hb.registerPartial(path.basename(file, '.hbs'), hb.compile(readFileSync(path.join(partialsDir, file), 'utf8')));
    }
  }
  const cssFile = path.join(sharedDir, 'css', 'report.css');
  const css = existsSync(cssFile) ? readFileSync(cssFile, 'utf8') : '';
  // Our own stylesheet, not data: inserted verbatim (a `</style` inside it would be a bug of ours).
  const styles = `<style>\n${css.replace(/<\/style/gi, '<\\/style')}</style>`;
  hb.registerPartial('styles', () => styles);
}
