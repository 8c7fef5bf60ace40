/**
 * The merge rule of report configurations (src/api/configurations/wire.ts): a request's (or a PATCH's)
 * top-level fields replace the preset's fields of the same name, whole — lists and objects included —
 * and fields it leaves out keep the preset's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPresetChoice, mergePreset, presetToStore, resolveGenerateBody, type PresetBody } from '../../src/api/configurations/wire.js';
import type { ReportConfiguration } from '../../src/configurations/report-configuration.js';
import type { ReportConfigurationStore } from '../../src/configurations/report-configuration-store.js';
import { ReportError } from '../../src/domain/errors.js';

const PRESET = {
  report_code: 'INVOICE_LINES',
  format: 'CSV',
  parameter_values: [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-31' }],
  filters: { quantity: { gte: 12 }, country: { eq: 'France' } },
  metadata: { team: 'finance' },
};

/** A store holding one configuration of tenant `acme`. */
function storeWith(c: ReportConfiguration): ReportConfigurationStore {
  return { get: async (tenantId: string, id: string) => (tenantId === c.tenantId && id === c.id ? c : undefined) } as unknown as ReportConfigurationStore;
}
const SAVED: ReportConfiguration = { id: 'conf-1', tenantId: 'acme', name: 'July', reportCode: 'INVOICE_LINES', preset: PRESET, version: 3, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' };

void test('a field given replaces the preset\'s whole: parameter_values and filters are not merged inside; fields left out stay', () => {
  const merged = mergePreset(PRESET, { parameter_values: [{ name: 'customer_id', value: 12347 }], filters: { quantity: { gte: 24 } }, format: 'XML', language: undefined });
  assert.deepEqual(merged, {
    report_code: 'INVOICE_LINES',
    format: 'XML',
    parameter_values: [{ name: 'customer_id', value: 12347 }],
    filters: { quantity: { gte: 24 } },
    metadata: { team: 'finance' },
  });
  assert.deepEqual(mergePreset(PRESET, { filters: {} }).filters, {}, 'an empty object clears the preset\'s filters');
  assert.deepEqual(PRESET.filters, { quantity: { gte: 12 }, country: { eq: 'France' } }, 'the preset itself is not changed');
});

void test('a single export location is stored as a list of one, so views always show a list', () => {
  assert.deepEqual(presetToStore({ report_code: 'X', format: 'CSV', export_location: { variant: 'LOCAL' } }).export_location, [{ variant: 'LOCAL' }]);
  assert.equal('export_location' in presetToStore({ report_code: 'X', format: 'CSV' }), false);
});

void test('a request naming a configuration gets its preset with the request\'s fields in place, and the configuration it came from', async () => {
  const { body, configuration } = await resolveGenerateBody(storeWith(SAVED), 'acme', { report_configuration_id: 'conf-1', format: 'PDF' });
  assert.deepEqual(body, { ...PRESET, format: 'PDF' });
  assert.equal(configuration?.version, 3);
  const plain = await resolveGenerateBody(storeWith(SAVED), 'acme', { report_code: 'INVOICE', format: 'PDF' });
  assert.deepEqual(plain, { body: { report_code: 'INVOICE', format: 'PDF' } });
});

void test('another tenant\'s, an unknown or an unserved configuration is REPORT_CONFIGURATION_NOT_FOUND on report_configuration_id; neither code nor id is REQUEST_INVALID on report_code', async () => {
  const notFound = (err: unknown) => err instanceof ReportError && err.code === 'REPORT_CONFIGURATION_NOT_FOUND' && err.errors[0]?.field === 'report_configuration_id';
  await assert.rejects(resolveGenerateBody(storeWith(SAVED), 'globex', { report_configuration_id: 'conf-1' }), notFound);
  await assert.rejects(resolveGenerateBody(storeWith(SAVED), 'acme', { report_configuration_id: 'conf-2' }), notFound);
  await assert.rejects(resolveGenerateBody(undefined, 'acme', { report_configuration_id: 'conf-1' }), notFound);
  await assert.rejects(resolveGenerateBody(storeWith(SAVED), 'acme', { format: 'PDF' }), (err: unknown) => err instanceof ReportError && err.code === 'REQUEST_INVALID' && err.errors[0]?.field === 'report_code');
});

void test('report_code and template_id are one choice: a body giving either replaces the preset\'s, and a preset must give exactly one', () => {
  const template = { template_id: 'tpl-1', parameter_values: PRESET.parameter_values };
  assert.deepEqual(mergePreset(PRESET, { template_id: 'tpl-1' }).report_code, undefined, 'a template in place of the report');
  assert.deepEqual(Object.keys(mergePreset(template, { report_code: 'INVOICE_LINES', format: 'CSV' })).sort(), ['format', 'parameter_values', 'report_code']);
  assert.deepEqual(mergePreset(template, { format: 'TXT' }).template_id, 'tpl-1', 'other fields keep the choice');
  const refused = (preset: object) => {
    try {
      checkPresetChoice(preset as PresetBody);
      return undefined;
    } catch (err) {
      assert.ok(err instanceof ReportError);
      return [err.code, err.errors[0]?.field];
    }
  };
  assert.deepEqual(refused({ report_code: 'INVOICE_LINES', template_id: 'tpl-1', format: 'CSV' }), ['REQUEST_INVALID', 'template_id']);
  assert.deepEqual(refused({ format: 'CSV' }), ['REQUEST_INVALID', 'report_code']);
  assert.deepEqual(refused({ report_code: 'INVOICE_LINES' }), ['REQUEST_INVALID', 'format']);
  assert.equal(refused({ template_id: 'tpl-1' }), undefined, 'a template gives its own format');
  assert.equal(refused(PRESET), undefined);
});
