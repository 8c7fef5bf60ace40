/** Reading a request body the CLI sends from a JSON file the user wrote. */
import { readFile } from 'node:fs/promises';
import { UsageError } from './io.js';
import type { ResourceJson } from './resource-call.js';

/** The JSON object in `file`. @throws UsageError when it cannot be read or is not a JSON object. */
export async function jsonFile(file: string): Promise<ResourceJson> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${file}: expected one JSON object with the API's field names`);
  return parsed as ResourceJson;
}
