/**
 * How many typos a query term may contain and still match. With the defaults (3, 6) this is Elasticsearch's documented
 * `fuzziness: AUTO` policy: no edit for terms of 1–2 characters, one for 3–5, two for 6 or more. Terms with a digit
 * never match fuzzily: "tn-2110" must not match "tn-2100", nor "ps4" match "ps3".
 */
export function fuzzyEdits(term: string, oneEditFrom = 3, twoEditsFrom = 6): number {
  if (/\d/.test(term) || term.length < oneEditFrom) return 0;
  return term.length < twoEditsFrom ? 1 : 2;
}
