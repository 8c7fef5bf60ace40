/** A page of any listing in wire form (see `pageOf` in src/api/shared-schemas.ts). */
import type { Page } from '../records/records.js';

/** A page in wire form. */
export function pageToWire<T, W>(page: Page<T>, toWire: (item: T) => W) {
  return { items: page.items.map(toWire), next_cursor: page.nextCursor, total: page.total };
}
