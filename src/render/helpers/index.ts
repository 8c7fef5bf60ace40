/** Every template helper, registered on one isolated Handlebars environment. */
import type Handlebars from 'handlebars';
import { agingHelpers } from './aging-helpers.js';
import { collectionHelpers } from './collection-helpers.js';
import { formatHelpers } from './format-helpers.js';
import { labelHelpers } from './label-helper.js';
import { textHelpers } from './text-helpers.js';

/** Registers `t`, `money`, `number`, `date`, `datetime`, `month`, `countryName`, `inLanguage`, `sum`, `groupBy`, `first`, `eq`, `pad`, `agingBuckets`. */
export function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper({ ...labelHelpers, ...formatHelpers, ...collectionHelpers, ...textHelpers, ...agingHelpers });
}
