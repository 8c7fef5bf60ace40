/**
 * Helpers for plain-text layouts (TXT templates): `{{pad value 12}}` fills to 12 characters after the
 * value, `{{pad value 12 'right'}}` before it (numbers in columns), and a longer value is cut to the
 * width, so every line of a fixed-width file keeps its length. Widths count Unicode code points.
 */
import type { HelperDelegate } from 'handlebars';
import { splitArgs } from './helper-args.js';

/**
 * `value` as text of exactly `width` code points: padded with spaces (after it, or before it when
 * `align` is `'right'`), or cut. null/undefined print as spaces.
 */
export function padText(value: unknown, width: number, align: 'left' | 'right' = 'left'): string {
  const chars = [...(value === null || value === undefined ? '' : String(value))];
  if (chars.length >= width) return chars.slice(0, Math.max(0, width)).join('');
  const fill = ' '.repeat(width - chars.length);
  return align === 'right' ? fill + chars.join('') : chars.join('') + fill;
}

export const textHelpers: Record<string, HelperDelegate> = {
  pad(...args: unknown[]) {
    const { values } = splitArgs(args);
    const width = typeof values[1] === 'number' && Number.isInteger(values[1]) ? values[1] : 0;
    return padText(values[0], width, values[2] === 'right' ? 'right' : 'left');
  },
};
