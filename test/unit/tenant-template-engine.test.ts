/** The sandbox tenant templates render in: escaping fit for each format, no prototype reach, failures as stable codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportError } from '../../src/domain/errors.js';
import { createTenantTemplateEngine } from '../../src/render/tenant-template-engine.js';
import type { TemplateContext } from '../../src/render/template-context.js';

const engine = createTenantTemplateEngine();
const row = { invoice_no: '536365', description: 'A "large" <b>&</b>, red\nheart\u0001', line_total: '15.30' };
const context = { rows: [row], parameters: {}, request: { language: 'en', timezone: 'UTC' } } as unknown as TemplateContext;
const body = '{{#each rows}}{{description}}{{/each}}';

test('values are escaped for the format: HTML for PDF/HTML, XML (invalid characters replaced) for XML, an RFC 4180 field for CSV, as they are for TXT', () => {
  assert.equal(engine.render({ format: 'HTML', body }, context), 'A &quot;large&quot; &lt;b&gt;&amp;&lt;/b&gt;, red\nheart\u0001');
  assert.equal(engine.render({ format: 'PDF', body }, context), engine.render({ format: 'HTML', body }, context));
  assert.equal(engine.render({ format: 'XML', body: '<d a="{{#each rows}}{{description}}{{/each}}"/>' }, context), '<d a="A &quot;large&quot; &lt;b&gt;&amp;&lt;/b&gt;, red&#10;heart\uFFFD"/>');
  assert.equal(engine.render({ format: 'CSV', body: '{{#each rows}}{{invoice_no}},{{description}}{{/each}}' }, context), '536365,"A ""large"" <b>&</b>, red\nheart\u0001"');
  assert.equal(engine.render({ format: 'TXT', body }, context), row.description);
});

test('prototype properties stay out of reach at render time too', () => {
  assert.equal(engine.render({ format: 'TXT', body: '[{{constructor.name}}][{{rows.constructor}}][{{#each rows}}{{__proto__}}{{/each}}]' }, context), '[][][]');
});

test('a helper that refuses a value fails the render with TEMPLATE_RENDER_FAILED, which is not retried', () => {
  assert.throws(() => engine.render({ format: 'TXT', body: '{{sum rows \'description\'}}' }, context), (e: unknown) => e instanceof ReportError && e.code === 'TEMPLATE_RENDER_FAILED' && /not a decimal/.test(e.message));
});

test('a cached version and an inline body with the same text render alike; versions are cached apart', () => {
  assert.equal(engine.render({ id: 't', version: 1, format: 'TXT', body: 'v1' }, context), 'v1');
  assert.equal(engine.render({ id: 't', version: 2, format: 'TXT', body: 'v2' }, context), 'v2');
  assert.equal(engine.render({ id: 't', version: 1, format: 'TXT', body: 'ignored: cached' }, context), 'v1');
});
