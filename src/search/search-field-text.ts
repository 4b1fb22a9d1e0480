import type { SearchField } from './search-config.js';
import type { SearchItem } from './search-item.js';

/**
 * The text of one searchable field of an item. Attributes read as their text values plus the names of the features
 * that are true (`wi_fi: true` reads "wi fi"); numeric attributes are left out (a bare "1800" only adds noise).
 */
export function searchFieldText(item: SearchItem, field: SearchField): string {
  if (field !== 'attributes') return item[field] ?? '';
  const parts: string[] = [];
  for (const [name, value] of Object.entries(item.attributes ?? {})) {
    if (typeof value === 'string') parts.push(value);
    else if (value === true) parts.push(name.replace(/_+/g, ' ').trim());
  }
  return parts.join(' ; ');
}
