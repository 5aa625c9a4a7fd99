/**
 * Which lines of an example's pretty-printed JSON bodies are REPORTED, and
 * which only differ in fields the comparison took out: ignored by a rule,
 * compared by format or by tolerance, an array compared as a multiset, or
 * classed as noise. The HTML report highlights the first and dims and
 * labels the others, so a reviewer never sees a fresh `requestId` marked
 * as a change beside a patch that does not hold it.
 *
 * Each line is tied to the JSON Pointer of the value it shows (a closing
 * bracket to its container), by printing the document the way
 * JSON.stringify(value, null, 2) does.
 */
import type { ExampleExchange } from './report-types.js'
import { compilePointer, escapeToken, pointerTokens } from '../diff/pointer-pattern.js'
import type { PointerPattern } from '../diff/policy.js'
import { foldPointer } from '../store/divergence-fields.js'

/** Why a changed line is not reported, as shown beside it. */
export type NotReported = 'ignored' | 'format' | 'tolerance' | 'unordered' | 'noise' | 'not reported'

/** A line's verdict: reported (highlighted, `undecided` for a field the noise stage could not judge), or why not. */
export type LineVerdict = { reported: true; undecided?: boolean } | { reported: false; why: NotReported }

/**
 * The lines of `value` as JSON.stringify(value, null, 2) prints them, each
 * with the pointer of the value it belongs to.
 */
export function jsonLines(value: unknown): { text: string; pointer: string }[] {
  const out: { text: string; pointer: string }[] = []
  const emit = (v: unknown, indent: string, pointer: string, prefix: string, suffix: string) => {
    if (v !== null && typeof v === 'object') {
      const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]])
      const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}']
      if (entries.length === 0) {
        out.push({ text: `${indent}${prefix}${open}${close}${suffix}`, pointer })
        return
      }
      out.push({ text: `${indent}${prefix}${open}`, pointer })
      entries.forEach(([k, x], i) => {
        const childPrefix = Array.isArray(v) ? '' : `${JSON.stringify(k)}: `
        emit(x, indent + '  ', `${pointer}/${escapeToken(k)}`, childPrefix, i < entries.length - 1 ? ',' : '')
      })
      out.push({ text: `${indent}${close}${suffix}`, pointer })
      return
    }
    out.push({ text: `${indent}${prefix}${JSON.stringify(v)}${suffix}`, pointer })
  }
  emit(value, '', '', '', '')
  return out
}

/**
 * Decides, for the pointer of a changed line, whether the example reports
 * it; built once per example. Undefined for rows stored before they said
 * how they were compared (no `comparedAs`): their changed lines are all shown
 * as changes, as before.
 */
export function lineJudge(ex: ExampleExchange): ((pointer: string) => LineVerdict) | undefined {
  if (ex.comparedAs === undefined) return undefined
  const reported = (ex.patch ?? []).flatMap((op) => ('from' in op && op.from !== undefined ? [op.path, op.from] : [op.path]))
  const undecided = ex.divergences.flatMap((d) => (d.kind === 'undecided' ? d.fields.map((f) => f.field).filter((f) => f.startsWith('/') || f === '') : []))
  const c = ex.comparedAs ?? {}
  const compile = (list: readonly string[] | undefined) =>
    (list ?? []).flatMap((s): PointerPattern[] => {
      try {
        return [compilePointer(s)]
      } catch {
        return []
      }
    })
  const rules: [NotReported, PointerPattern[]][] = [
    ['ignored', compile(c.ignore)],
    ['format', compile(c.format)],
    ['tolerance', compile(c.tolerance)],
    ['unordered', compile(c.unordered)],
  ]
  const noise = new Set((c.noise ?? []).filter((f) => f.startsWith('/') || f === ''))
  const within = (pointer: string, of: string) => pointer === of || pointer.startsWith(of + '/')
  return (pointer) => {
    if (undecided.some((u) => within(pointer, u))) return { reported: true, undecided: true }
    if (reported.some((r) => within(pointer, r))) return { reported: true }
    const tokens = pointerTokens(pointer)
    // A rule on a node covers what is under it: an ignored object hides its fields.
    for (const [why, patterns] of rules) {
      for (let n = tokens.length; n >= 0; n--) {
        const prefix = tokens.slice(0, n)
        if (patterns.some((p) => p.matches(prefix))) return { reported: false, why }
      }
    }
    const folded = foldPointer(pointer)
    for (const f of noise) if (within(folded, f)) return { reported: false, why: 'noise' }
    return { reported: false, why: 'not reported' }
  }
}
