/**
 * Registration of the custom search attributes: dev-server flags and the operator-service path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes.js';
import { devServerSearchAttributeArgs, registerSearchAttributes, type OperatorConnection } from '../../src/temporal/search-attributes.js';

void test('the dev server gets one --search-attribute Name=Type flag per attribute', () => {
  assert.deepEqual(devServerSearchAttributeArgs(), [
    '--search-attribute', 'ReportTenant=Keyword',
    '--search-attribute', 'ReportCode=Keyword',
    '--search-attribute', 'ReportStatus=Keyword',
    '--search-attribute', 'ReportStage=Keyword',
    '--search-attribute', 'ReportCustomerId=Keyword',
    '--search-attribute', 'ReportBulkTotal=Int',
    '--search-attribute', 'ReportBulkDone=Int',
  ]);
});

function fakeConnection(existing: string[], addError?: Error & { code?: number }) {
  const added: Record<string, number>[] = [];
  const connection: OperatorConnection = {
    operatorService: {
      listSearchAttributes: async () => ({ customAttributes: Object.fromEntries(existing.map((n) => [n, 2])) }),
      addSearchAttributes: async (req) => {
        added.push(req.searchAttributes);
        if (addError) throw addError;
        return {};
      },
    },
  };
  return { connection, added };
}

void test('only missing attributes are added, with their types (KEYWORD 2, INT 3)', async () => {
  const { connection, added } = fakeConnection(['ReportTenant', 'ReportCode']);
  assert.deepEqual(await registerSearchAttributes(connection, 'default'), ['ReportStatus', 'ReportStage', 'ReportCustomerId', 'ReportBulkTotal', 'ReportBulkDone']);
  assert.deepEqual(added, [{ ReportStatus: 2, ReportStage: 2, ReportCustomerId: 2, ReportBulkTotal: 3, ReportBulkDone: 3 }]);
});

void test('nothing is added when all exist', async () => {
  const { connection, added } = fakeConnection(ALL_SEARCH_ATTRIBUTES.map((k) => k.name));
  assert.deepEqual(await registerSearchAttributes(connection, 'default'), []);
  assert.deepEqual(added, []);
});

void test('ALREADY_EXISTS from a concurrent registration is success; other errors propagate', async () => {
  const exists = Object.assign(new Error('already exists'), { code: 6 });
  await registerSearchAttributes(fakeConnection([], exists).connection, 'default');
  const denied = Object.assign(new Error('permission denied'), { code: 7 });
  await assert.rejects(registerSearchAttributes(fakeConnection([], denied).connection, 'default'), /permission denied/);
});
