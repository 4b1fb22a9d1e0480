/** Separators: white space and punctuation (MiniSearch's default), plus a few symbols seen in product titles. */
const SEPARATOR = /[\n\r\p{Z}\p{P}™®©°×|+<>=~^`$]+/u;
/** A token joined by hyphens, slashes or dots inside a word, e.g. "wi-fi", "tn-2110", "usb-c". */
const COMPOUND = /[\p{L}\p{N}]+(?:[-/.][\p{L}\p{N}]+)+/gu;

/**
 * Splits text into search tokens. Besides the parts of a compound ("wi-fi" → "wi", "fi") it also emits the compound
 * written solid, first ("wifi", "tn2110"; not for numbers such as "43.2"), so a shopper who types either form finds
 * the item. Used for both the catalog and the query, so both sides always agree.
 */
export function tokenizeText(text: string): string[] {
  // Solid compounds go first, so the last token stays the last word typed (the one prefix search completes).
  const solid = (text.match(COMPOUND) ?? []).filter((c) => /\p{L}/u.test(c)).map((c) => c.replace(/[-/.]/g, ''));
  return [...solid, ...text.split(SEPARATOR).filter((t) => t.length > 0)];
}
