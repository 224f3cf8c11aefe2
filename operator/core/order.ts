/**
 * String comparison for sorting (code-unit order, locale-independent). Returns -1, 0 or 1. Used instead of
 * localeCompare so keys, plans, status and the sweep's fingerprints sort the same on every host whatever its
 * locale, and so the process never loads ICU's collation data (about 3 MiB of the node binary paged in, plus
 * the collator) to order AWS ids that are ASCII.
 */
export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
