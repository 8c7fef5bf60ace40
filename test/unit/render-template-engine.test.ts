import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { createTemplateEngine } from '../../src/render/template-engine.js';
import type { TemplateContext } from '../../src/render/template-context.js';
import { tempDir } from '../fixtures/render-fixtures.js';

/** A throwaway templates folder with one shared partial, CSS and labels. */
function templatesDir(): string {
  const dir = tempDir('rf-templates-');
  mkdirSync(path.join(dir, '_shared', 'partials'), { recursive: true });
  mkdirSync(path.join(dir, '_shared', 'css'), { recursive: true });
  mkdirSync(path.join(dir, '_shared', 'i18n'), { recursive: true });
  mkdirSync(path.join(dir, 'DEMO', 'i18n'), { recursive: true });
  writeFileSync(path.join(dir, '_shared', 'partials', 'hello.hbs'), '<p class="hello">{{t "hello"}} {{name}}</p>');
  writeFileSync(path.join(dir, '_shared', 'css', 'report.css'), 'body { color: red; }');
  writeFileSync(path.join(dir, '_shared', 'i18n', 'en.json'), JSON.stringify({ hello: 'Hello', nested: { total: 'Total' }, page: 'Page' }));
  writeFileSync(path.join(dir, '_shared', 'i18n', 'no.json'), JSON.stringify({ hello: 'Hei', nested: { total: 'Totalt' } }));
  writeFileSync(path.join(dir, 'DEMO', 'i18n', 'no.json'), JSON.stringify({ nested: { own: 'Egen' } }));
  return dir;
}

function context(overrides: Partial<TemplateContext> = {}): TemplateContext {
  return {
    report: { code: 'DEMO', title: 'Demo' },
    request: { id: 'r1', format: 'HTML', language: 'en', locale: 'en-GB', timezone: 'Europe/London' },
    parameters: {},
    period: null,
    filters: [],
    constants: {},
    rows: [],
    generated_at: '2011-07-01T08:00:00.000Z',
    labels: {},
    ...overrides,
  };
}

function render(dir: string, source: string, ctx: TemplateContext): string {
  const file = path.join(dir, 'DEMO', `t-${Math.random().toString(36).slice(2)}.hbs`);
  writeFileSync(file, source);
  return createTemplateEngine({ templatesDir: dir }).render(file, ctx);
}

test('data is HTML-escaped: a <script> in a description cannot run', () => {
  const dir = templatesDir();
  const html = render(dir, '{{#each rows}}<td>{{description}}</td>{{/each}}', context({ rows: [{ description: '<script>alert("x")</script> & co' }] }));
  assert.equal(html, '<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</td>');
});

test('helper output is escaped too (labels, money)', () => {
  const dir = templatesDir();
  const html = render(dir, '{{t "x"}}|{{money parameters.v}}|{{t parameters.key}}', context({ labels: { x: '<b>' }, parameters: { v: '1', key: '<i>' } }));
  assert.equal(html, '&lt;b&gt;|£1.00|&lt;i&gt;');
});

test('t looks labels up by dotted key and prints a missing key as itself', () => {
  const dir = templatesDir();
  const engine = createTemplateEngine({ templatesDir: dir });
  const labels = engine.labels(path.join(dir, 'DEMO'), 'no');
  const html = render(dir, '{{t "hello"}}|{{t "nested.total"}}|{{t "nested.own"}}|{{t "nope.missing"}}|{{t "nested"}}', context({ labels }));
  assert.equal(html, 'Hei|Totalt|Egen|nope.missing|nested');
});

test('shared partials and the inlined stylesheet are available to every template', () => {
  const dir = templatesDir();
  const html = render(dir, '{{> styles}}{{> hello name="Ada"}}', context({ labels: { hello: 'Hello' } }));
  assert.match(html, /^<style>\nbody \{ color: red; \}<\/style>/);
  assert.match(html, /<p class="hello">Hello Ada<\/p>/);
});

test('sum, groupBy, first and eq work on rows', () => {
  const dir = templatesDir();
  const rows = [
    { country: 'France', net: '10.10' },
    { country: 'France', net: '0.20' },
    { country: 'EIRE', net: '-3' },
  ];
  const source = '{{#each (groupBy rows "country")}}[{{key}}:{{sum rows "net"}}]{{/each}}'
    + ' total={{sum rows "net"}} first={{#with (first rows)}}{{country}}{{/with}}'
    + ' {{#if (eq request.language "en")}}english{{/if}}';
  assert.equal(render(dir, source, context({ rows })), '[France:10.30][EIRE:-3] total=7.30 first=France english');
});

test('format helpers read language and time zone from the request', () => {
  const dir = templatesDir();
  const ctx = context({ request: { id: 'r', format: 'PDF', language: 'no', locale: 'nb-NO', timezone: 'Europe/Oslo' } });
  const html = render(dir, '{{datetime generated_at}}|{{money "1234.5"}}|{{number 1234 0}}|{{month "2011-07"}}|{{date "2011-07-01"}}', ctx);
  assert.equal(html.replace(/[\u00a0\u202f]/g, ' '), '1. juli 2011, 10:00 CEST|1 234,50 £|1 234|juli 2011|1. juli 2011');
});

test('engines are isolated: helpers are not registered on the global Handlebars', () => {
  createTemplateEngine({ templatesDir: templatesDir() });
  assert.equal(Handlebars.helpers.money, undefined);
  assert.equal(Handlebars.partials.styles, undefined);
});

test('a template is compiled once and then served from the cache', () => {
  const dir = templatesDir();
  const engine = createTemplateEngine({ templatesDir: dir });
  const file = path.join(dir, 'DEMO', 'cached.hbs');
  writeFileSync(file, 'first {{report.code}}');
  assert.equal(engine.render(file, context()), 'first DEMO');
  writeFileSync(file, 'second');
  assert.equal(engine.render(file, context()), 'first DEMO');
});
