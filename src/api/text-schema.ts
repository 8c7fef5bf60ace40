/**
 * JSON Schema of free text the service can keep: PostgreSQL `text` and `jsonb` cannot hold U+0000,
 * so every free-text field of a request says so in /openapi.json (and `rejectUnstorableText` in
 * src/api/storable-text.ts refuses it, and unpaired surrogates, wherever a schema might miss one).
 */

/** JSON Schema pattern of storable text: no U+0000. */
export const STORABLE_TEXT_PATTERN = '^[^\\u0000]*$';

/** A free-text string field of `minLength`–`maxLength` characters that can be stored. */
export function text(maxLength: number, minLength = 1) {
  return { type: 'string', minLength, maxLength, pattern: STORABLE_TEXT_PATTERN } as const;
}
