/**
 * PARQUET for bucket exports: the run's staged rows (NDJSON, see src/staging/ndjson.ts) written as an
 * Apache Parquet file with hyparquet-writer, one row group per 100,000 rows, so memory stays bounded
 * by one batch. Types from the report definition's columns: string → UTF8, integer → INT64,
 * decimal → DECIMAL(38, 9) (exact), boolean → BOOLEAN, date → DATE, timestamp → TIMESTAMP (ms, UTC);
 * every column nullable. The bytes depend only on the rows, so a retry writes the same file (same sha256).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSpec } from '../domain/artifacts.js';
import { readNdjson, type StagedValue } from '../staging/ndjson.js';

const ROW_GROUP_ROWS = 100_000;
const DECIMAL_SCALE = 9;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

const ELEMENTS: Record<ColumnSpec['type'], Omit<SchemaElement, 'name'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  integer: { type: 'INT64', converted_type: 'INT_64' },
  decimal: { type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, converted_type: 'DECIMAL', precision: 38, scale: DECIMAL_SCALE },
  boolean: { type: 'BOOLEAN' },
  date: { type: 'INT32', converted_type: 'DATE' },
  timestamp: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
};

/**
 * Writes the staged rows at `stagedPath` to `target` as Parquet.
 * @param onProgress called with rows written so far (for heartbeats).
 * @returns the file's size in bytes, hex sha256 and row count.
 * @throws Error when a value does not fit its column type (e.g. a decimal with more than 9 decimals).
 */
export async function writeParquet(
  stagedPath: string,
  columns: ColumnSpec[],
  target: string,
  onProgress: (rows: number) => void = () => undefined,
): Promise<{ sizeBytes: number; sha256: string; rows: number }> {
  const schema: SchemaElement[] = [
    { name: 'root', num_children: columns.length },
    ...columns.map((c) => ({ name: c.name, repetition_type: 'OPTIONAL' as const, ...ELEMENTS[c.type] })),
  ];
  const writer = new ParquetWriter({ writer: fileWriter(target), schema, createdBy: 'reportflow' });
  let batch: unknown[][] = columns.map(() => []);
  let rows = 0;
  const flush = async () => {
    if (batch[0]!.length === 0) return;
    await writer.write({ columnData: columns.map((c, i) => ({ name: c.name, data: batch[i]! })), rowGroupSize: ROW_GROUP_ROWS });
    batch = columns.map(() => []);
    onProgress(rows);
  };
  for await (const row of readNdjson(stagedPath)) {
    columns.forEach((c, i) => batch[i]!.push(convert(row[c.name] ?? null, c)));
    if (++rows % ROW_GROUP_ROWS === 0) await flush();
  }
  await flush();
  await writer.finish();
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(target)) hash.update(chunk as Buffer);
  return { sizeBytes: (await stat(target)).size, sha256: hash.digest('hex'), rows };
}

function convert(value: StagedValue, column: ColumnSpec): unknown {
  if (value === null) return null;
  switch (column.type) {
    case 'integer':
      return BigInt(value as number | string);
    case 'decimal':
      return scaledDecimal(String(value), column.name);
    case 'date':
    case 'timestamp':
      return new Date(column.type === 'date' ? `${String(value)}T00:00:00Z` : String(value));
    default:
      return value;
  }
}

/** `"-2.55"` → -2550000000n (unscaled at scale 9), exactly. */
function scaledDecimal(text: string, column: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m || (m[3] ?? '').length > DECIMAL_SCALE) throw new Error(`column ${column}: ${text} does not fit DECIMAL(38, ${DECIMAL_SCALE})`);
  const n = BigInt(m[2]! + (m[3] ?? '').padEnd(DECIMAL_SCALE, '0'));
  return m[1] ? -n : n;
}
