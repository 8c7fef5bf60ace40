/**
 * Upload checks of tenant templates: what a template author sees when a template is refused (code,
 * field, line), and the hostile constructs the sandbox refuses before anything is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportError } from '../../src/domain/errors.js';
import { checkTemplateSpec } from '../../src/templates/template-checks.js';
import type { TemplateSpec } from '../../src/templates/template.js';
import { shippedCatalog } from '../fixtures/render-fixtures.js';

const catalog = shippedCatalog();
const spec = (body: string, extra: Partial<TemplateSpec> = {}): TemplateSpec => ({ name: 't', description: '', format: 'TXT', dataset: 'invoice_lines', body, ...extra });

function refusal(s: TemplateSpec): { code: string; field: string; message: string } {
  try {
    checkTemplateSpec(catalog, s);
  } catch (err) {
    assert.ok(err instanceof ReportError, String(err));
    return { code: err.code, field: err.errors[0]!.field, message: err.message };
  }
  return assert.fail('accepted');
}

test('a template over the dataset\'s columns, parameters, period, groups and helpers is accepted', () => {
  const body = [
    '{{report.title}} {{period.fromDate}}–{{period.toDate}} {{parameters.from_date}} {{parameters.institution}}',
    '{{#each rows}}{{@index}} {{pad invoice_no 8}}{{pad line_total 12 \'right\'}} {{date invoice_date}} {{@root.request.timezone}}{{#if customer_id}}{{customer_id}}{{else}}-{{/if}}',
    '{{/each}}{{sum rows \'line_total\'}} {{rows.length}}',
    '{{#each (groupBy rows \'country\')}}{{key}} {{rows.length}} {{sum rows \'line_total\'}}{{#each rows}}{{stock_code}}{{/each}}{{/each}}',
    '{{#with (first rows)}}{{invoice_no}}{{/with}}{{! a comment }}',
  ].join('\n');
  assert.doesNotThrow(() => checkTemplateSpec(catalog, spec(body, { parameters: { type: 'object', properties: { institution: { type: 'string' } } } })));
});

test('a syntax error is TEMPLATE_SYNTAX_INVALID naming the line', () => {
  const r = refusal(spec('line one\nline two {{#each rows}}\n{{invoice_no}}\n{{/if}}'));
  assert.deepEqual([r.code, r.field], ['TEMPLATE_SYNTAX_INVALID', 'body']);
  assert.match(r.message, /^Line 2: each doesn't match if/, 'the line of the block left open');
  assert.match(refusal(spec('a\nb\nc {{invoice_no')).message, /^Line 3: /);
});

test('a field that is not a dataset column, an undeclared parameter or an unknown context key is TEMPLATE_FIELD_UNKNOWN with field and line', () => {
  for (const [body, name, line] of [
    ['ok\n{{#each rows}}{{invoice_nr}}{{/each}}', 'invoice_nr', 2],
    ['{{parameters.secret}}', 'parameters.secret', 1],
    ['\n\n{{sum rows \'price\'}}', 'price', 3],
    ['{{env.HOME}}', 'env.HOME', 1],
    ['{{#each rows}}{{invoice_no.length}}{{/each}}', 'invoice_no.length', 1],
  ] as const) {
    const r = refusal(spec(body));
    assert.equal(r.code, 'TEMPLATE_FIELD_UNKNOWN', body);
    assert.ok(r.message.includes(`Line ${line}:`) && r.message.includes(`"${name}"`), `${body}: ${r.message}`);
  }
});

test('hostile constructs are refused at upload: prototype access, partials of files, triple-stash, unknown helpers, loops in loops', () => {
  for (const body of [
    '{{constructor.constructor}}',
    '{{#each rows}}{{__proto__}}{{/each}}',
    '{{lookup rows "constructor"}}',
    '{{> etc}}',
    '{{> styles}}',
    '{{> (lookup . "x")}}',
    '{{#> layout}}x{{/layout}}',
    '{{{report.title}}}',
    '{{& report.title}}',
    '{{#each rows}}{{#each @root.rows}}{{invoice_no}}{{/each}}{{/each}}',
    '{{#each rows}}{{#each ../rows}}x{{/each}}{{/each}}',
    '{{#each labels}}x{{/each}}',
    '{{log "x"}}',
    '{{*inline "x"}}',
    '{{#with report}}{{title}}{{/with}}',
  ]) {
    assert.equal(refusal(spec(body)).code, 'TEMPLATE_CONSTRUCT_REFUSED', body);
  }
  // Not even Handlebars: a path where a partial name goes.
  assert.equal(refusal(spec('{{> /etc/passwd}}')).code, 'TEMPLATE_SYNTAX_INVALID');
});

test('the spec is checked: dataset, parameters that redeclare the dataset\'s, filters that are not filterable columns of their type', () => {
  assert.deepEqual(Object.values(refusal(spec('x', { dataset: 'payroll' }))).slice(0, 2), ['TEMPLATE_INVALID', 'dataset']);
  assert.equal(refusal(spec('x', { parameters: { type: 'object', properties: { from_date: { type: 'string' } } } })).field, 'parameters.properties.from_date');
  assert.equal(refusal(spec('x', { parameters: { type: 'object', properties: { n: { type: 'no-such-type' } } } })).field, 'parameters');
  assert.equal(refusal(spec('x', { filters: { price: { type: 'decimal' } } })).field, 'filters.price');
  assert.equal(refusal(spec('x', { filters: { quantity: { type: 'string' } } })).field, 'filters.quantity');
  assert.equal(refusal(spec('x', { filters: { line_no: { type: 'integer' } } })).field, 'filters.line_no', 'a column the dataset does not offer as a filter');
  assert.doesNotThrow(() => checkTemplateSpec(catalog, spec('x', { filters: { country: { type: 'string' }, quantity: { type: 'integer', operators: ['gte'] } } })));
});
