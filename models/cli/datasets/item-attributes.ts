import { EdgeRecoError, ERROR_CODES, describeValue } from '../../../src/core/errors.js';

/** Attribute ids per item index (same 1-based indexing as the dataset; row 0 is empty), plus the attribute count. */
export interface ItemAttributes {
  /** `attributes[i]` lists attribute indices (1-based; 0 = none) of item index `i`. */
  readonly attributes: readonly (readonly number[])[];
  /** Attribute ids as in the source, index `a` ↔ `attributeIds[a - 1]`. */
  readonly attributeIds: readonly string[];
}

/**
 * Parses S3-Rec's `{ "itemId": [attributeId, ...] }` JSON against an item vocabulary. Items missing from the file get no
 * attributes; entries for items outside the vocabulary are ignored.
 */
export function parseItemAttributes(json: string, itemIds: readonly string[]): ItemAttributes {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, 'edgereco: the attributes file is not valid JSON', { cause });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new EdgeRecoError(
      ERROR_CODES.INVALID_OPTION,
      `edgereco: the attributes file must be an object of item id → attribute id array (got ${describeValue(raw)})`,
    );
  }
  const table = raw as Record<string, unknown>;
  const attributeIndex = new Map<string, number>();
  const attributeIds: string[] = [];
  const attributes: number[][] = [[]];
  for (const itemId of itemIds) {
    const list = Object.hasOwn(table, itemId) ? table[itemId] : undefined;
    const row: number[] = [];
    if (Array.isArray(list)) {
      for (const value of list) {
        const key = String(value);
        let a = attributeIndex.get(key);
        if (a === undefined) {
          attributeIds.push(key);
          a = attributeIds.length;
          attributeIndex.set(key, a);
        }
        row.push(a);
      }
    } else if (list !== undefined) {
      throw new EdgeRecoError(
        ERROR_CODES.INVALID_OPTION,
        `edgereco: attributes of item ${JSON.stringify(itemId)} must be an array (got ${describeValue(list)})`,
      );
    }
    attributes.push(row);
  }
  return { attributes, attributeIds };
}
