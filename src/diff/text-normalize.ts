/**
 * The `text` policy: what two text bodies are reduced to before a line diff,
 * so an embedded timestamp or re-indented HTML is not a difference.
 */
import type { TextPolicy } from './policy.js'

/**
 * Applies, in this order: every `replace` (in rule order, all matches),
 * then `collapseWhitespace` (a run of spaces/tabs becomes one space; a run
 * containing line breaks becomes one line break, so blank lines vanish), then
 * `trim` (leading and trailing whitespace of every line and of the text).
 *
 * @example
 *   normalizeText(' <p>  at 2024-05-01T10:00:00Z</p>', {
 *     replace: [{ pattern: /\d{4}-\d\d-\d\dT[\d:.]+Z/g, replacement: '<time>' }],
 *     trim: true, collapseWhitespace: true,
 *   }) // '<p> at <time></p>'
 */
export function normalizeText(text: string, policy: TextPolicy): string {
  let out = text
  for (const r of policy.replace) {
    if (r.pattern instanceof RegExp) {
      r.pattern.lastIndex = 0
      out = out.replace(r.pattern, r.replacement)
    } else out = r.pattern.replaceAll(out, r.replacement)
  }
  if (policy.collapseWhitespace) {
    out = out.replace(/[ \t\f\v\r]*\n\s*/g, '\n').replace(/[ \t\f\v\r]+/g, ' ')
  }
  if (policy.trim) {
    out = out.replace(/^[ \t\f\v\r]+|[ \t\f\v\r]+$/gm, '').trim()
  }
  return out
}
