/**
 * Line diff of two recorded bodies, for people: the HTML report shows it side
 * by side, Markdown and JUnit as a unified diff. The comparison that decides
 * divergence lives in src/diff; this only makes the difference readable.
 *
 * JSON bodies are pretty-printed with keys sorted before diffing, so the line
 * diff shows the same differences as the RFC 6902 patch rather than key-order
 * noise the comparator already ignores.
 */

import type { ExampleExchange } from './report-types.js'
import { formatMessage } from '../diff/format-compare.js'
import { jsonLines, lineJudge } from './example-fields.js'

/** One line of a line diff: kept, removed from the primary, or added by the candidate. */
export interface DiffLine {
  op: 'eq' | 'del' | 'add'
  text: string
  /** Set on a changed line that is not part of the reported difference: why (`ignored`, `format`, `noise` …). */
  notReported?: string
}

/** A body ready to be diffed: its lines and whether it was parsed as JSON. */
export interface PrettyBody {
  text: string
  json: boolean
}

/** Above this many cells the LCS table costs too much; the changed middle is shown as replaced. */
const MAX_LCS_CELLS = 4_000_000

/**
 * Pretty-prints a body for diffing: JSON (by content type or by shape) is
 * re-indented with sorted keys; anything else, including JSON truncated at the
 * capture cap, is returned as recorded.
 */
export function prettyBody(body: string | undefined, contentType?: string): PrettyBody {
  if (body === undefined) return { text: '', json: false }
  const looksJson = /json/i.test(contentType ?? '') || /^\s*[[{]/.test(body)
  if (looksJson) {
    try {
      return { text: JSON.stringify(sortKeys(JSON.parse(body)), null, 2), json: true }
    } catch {
      // Truncated or not JSON after all: show it verbatim.
    }
  }
  return { text: body, json: false }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    // No prototype: a body's own "__proto__" key stays a key, not a prototype.
    const out: Record<string, unknown> = Object.create(null)
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

/**
 * Splits text into lines; an empty text has no lines, and a final newline
 * does not open an empty last line (as in `diff`).
 */
export function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  return lines
}

/**
 * Line diff by longest common subsequence, after trimming the common prefix
 * and suffix (which is most of a typical body). When the changed middle is
 * too large for the table, it is reported as removed then added.
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ op: 'eq', text }))
  out.push(...diffMiddle(a.slice(start, endA), b.slice(start, endB)))
  for (let i = endA; i < a.length; i++) out.push({ op: 'eq', text: a[i] })
  return out
}

function diffMiddle(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length
  const m = b.length
  if (n === 0 || m === 0 || n * m > MAX_LCS_CELLS) {
    return [...a.map((text): DiffLine => ({ op: 'del', text })), ...b.map((text): DiffLine => ({ op: 'add', text }))]
  }
  // lcs[i * (m + 1) + j] = LCS length of a[i..] and b[j..].
  const w = m + 1
  const lcs = new Uint32Array((n + 1) * w)
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1])
    }
  }
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: 'eq', text: a[i++] })
      j++
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
      out.push({ op: 'del', text: a[i++] })
    } else {
      out.push({ op: 'add', text: b[j++] })
    }
  }
  while (i < n) out.push({ op: 'del', text: a[i++] })
  while (j < m) out.push({ op: 'add', text: b[j++] })
  return out
}

/** One row of a side-by-side view; a missing side is a blank cell. */
export type SideBySideRow =
  | { kind: 'line'; left?: { n: number; text: string; op: 'eq' | 'del' }; right?: { n: number; text: string; op: 'eq' | 'add' } }
  | { kind: 'gap'; hidden: number }

/**
 * Pairs removed and added runs into side-by-side rows and folds unchanged
 * runs longer than `2 * context` into a gap row, like a code review tool.
 */
export function sideBySide(lines: readonly DiffLine[], context = 3): SideBySideRow[] {
  const rows: SideBySideRow[] = []
  let ln = 1
  let rn = 1
  let k = 0
  while (k < lines.length) {
    if (lines[k].op === 'eq') {
      let end = k
      while (end < lines.length && lines[end].op === 'eq') end++
      const run = end - k
      const keepHead = k === 0 ? 0 : context
      const keepTail = end === lines.length ? 0 : context
      // Fold only when it hides a few lines: a gap row for one or two lines costs as much as the lines.
      if (run - keepHead - keepTail >= 4) {
        for (let x = k; x < k + keepHead; x++) rows.push(eqRow(lines[x].text, ln++, rn++))
        const hidden = run - keepHead - keepTail
        rows.push({ kind: 'gap', hidden })
        ln += hidden
        rn += hidden
        for (let x = end - keepTail; x < end; x++) rows.push(eqRow(lines[x].text, ln++, rn++))
      } else {
        for (let x = k; x < end; x++) rows.push(eqRow(lines[x].text, ln++, rn++))
      }
      k = end
      continue
    }
    const dels: string[] = []
    const adds: string[] = []
    while (k < lines.length && lines[k].op !== 'eq') {
      ;(lines[k].op === 'del' ? dels : adds).push(lines[k].text)
      k++
    }
    for (let x = 0; x < Math.max(dels.length, adds.length); x++) {
      rows.push({
        kind: 'line',
        left: x < dels.length ? { n: ln++, text: dels[x], op: 'del' } : undefined,
        right: x < adds.length ? { n: rn++, text: adds[x], op: 'add' } : undefined,
      })
    }
  }
  return rows
}

function eqRow(text: string, l: number, r: number): SideBySideRow {
  return { kind: 'line', left: { n: l, text, op: 'eq' }, right: { n: r, text, op: 'eq' } }
}

/**
 * Splits a changed line pair into common prefix, changed middles and common
 * suffix so a renderer can mark just the characters that differ; null when
 * the two lines have too little in common for that to help.
 */
export function inlineChange(a: string, b: string): { prefix: string; a: string; b: string; suffix: string } | null {
  let p = 0
  while (p < a.length && p < b.length && a[p] === b[p]) p++
  let s = 0
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++
  // Lines that share only indentation or a comma are different lines, not an edit of one:
  // marking nearly everything would be noise, so report no inline change.
  const shared = a.slice(0, p).trimStart().length + s
  if (shared < 0.4 * Math.max(a.trim().length, b.trim().length)) return null
  return { prefix: a.slice(0, p), a: a.slice(p, a.length - s), b: b.slice(p, b.length - s), suffix: a.slice(a.length - s) }
}

/**
 * A unified diff (`-` primary, `+` candidate) with `context` lines around each
 * change and `@@` separators, cut after `maxLines` output lines.
 * Returns '' when the two texts are equal.
 */
export function unifiedDiff(primary: string, candidate: string, context = 3, maxLines = 60, notReported?: (op: 'del' | 'add', line: number) => string | undefined): string {
  const lines = diffLines(splitLines(primary), splitLines(candidate))
  if (lines.every((l) => l.op === 'eq')) return ''
  // A changed line that is not part of the reported difference (ignored, by format, noise …) is shown
  // as `~` with why, not as a `-`/`+` change. Line numbers are 1-based, per side.
  if (notReported) {
    let a = 0
    let b = 0
    const marks = lines.map((l) => {
      if (l.op !== 'add') a++
      if (l.op !== 'del') b++
      return l.op === 'eq' ? undefined : notReported(l.op, l.op === 'del' ? a : b)
    })
    lines.forEach((l, i) => {
      // Shown as context (`~`), never as a change.
      if (marks[i] !== undefined) lines[i] = { op: 'eq', text: `${l.text}  (${marks[i]})`, notReported: marks[i] }
    })
  }
  const keep = new Array<boolean>(lines.length).fill(false)
  lines.forEach((l, i) => {
    if (l.op === 'eq') return
    for (let x = Math.max(0, i - context); x <= Math.min(lines.length - 1, i + context); x++) keep[x] = true
  })
  const out: string[] = []
  let skipping = false
  for (let i = 0; i < lines.length; i++) {
    if (!keep[i]) {
      skipping = true
      continue
    }
    if (skipping || (i > 0 && out.length === 0)) out.push('@@')
    skipping = false
    const l = lines[i]
    out.push(`${l.notReported !== undefined ? '~' : l.op === 'eq' ? ' ' : l.op === 'del' ? '-' : '+'}${l.text}`)
  }
  if (out.length > maxLines) {
    const cut = out.length - maxLines
    return [...out.slice(0, maxLines), `@@ … ${cut} more diff line${cut === 1 ? '' : 's'} not shown`].join('\n')
  }
  return out.join('\n')
}

/** The pointer of each pretty-printed line of a JSON body, or undefined. */
function linePointers(pretty: PrettyBody): string[] | undefined {
  if (!pretty.json) return undefined
  try {
    const lines = jsonLines(JSON.parse(pretty.text))
    return lines.map((l) => l.text).join('\n') === pretty.text ? lines.map((l) => l.pointer) : undefined
  } catch {
    return undefined
  }
}

function show(v: unknown): string {
  return v === undefined ? '(absent)' : typeof v === 'string' ? v : JSON.stringify(v)
}

/**
 * An example exchange as one plain-text diff for Markdown and JUnit: status,
 * header and error differences as `@@` sections with `-` primary / `+`
 * candidate lines, then the unified diff of the pretty-printed bodies (or
 * their hashes when only hashes were kept). Long lines are cut at `maxWidth`.
 */
export function exampleDiff(ex: ExampleExchange, maxLines = 40, maxWidth = 200): string {
  const out: string[] = []
  let bodyDiffered = false
  for (const d of ex.divergences) {
    if (d.kind === 'status') out.push('@@ status', `-${d.primary}`, `+${d.candidate}`)
    else if (d.kind === 'header') {
      const note = formatMessage(d)
      out.push(`@@ header ${d.name}${note === undefined ? '' : `: ${note}`}`)
      out.push(d.primary === undefined ? '-(absent)' : `-${d.primary}`, d.candidate === undefined ? '+(absent)' : `+${d.candidate}`)
    } else if (d.kind === 'error') out.push(`@@ error ${d.code}`, `+${d.message}`)
    else if (d.kind === 'undecided') {
      for (const f of d.fields) {
        out.push(`@@ undecided ${f.field}: ${f.reason}`)
        if (f.op !== 'move') out.push(`-${show(f.primary)}`, `+${show(f.candidate)}`)
      }
    }
    else if ('sha256' in d) {
      out.push('@@ body (hashes of the full bodies)', `-sha256 ${d.sha256.primary} (${d.size.primary} bytes)`, `+sha256 ${d.sha256.candidate} (${d.size.candidate} bytes)`)
    } else {
      bodyDiffered = true
      // The line diff below shows the values; a format rule's message says why they differ.
      const ops = 'ops' in d ? d.ops : []
      for (const op of ops) {
        const note = formatMessage(op)
        if (note !== undefined) out.push(`@@ body ${op.path}: ${note}`)
      }
    }
  }
  if (bodyDiffered || ex.primaryBody !== undefined || ex.candidateBody !== undefined) {
    const a = prettyBody(ex.primaryBody, ex.primaryContentType)
    const b = prettyBody(ex.candidateBody, ex.candidateContentType)
    const judge = lineJudge(ex)
    const la = linePointers(a)
    const lb = linePointers(b)
    const notReported =
      judge && la && lb
        ? (op: 'del' | 'add', n: number) => {
            const v = judge((op === 'del' ? la : lb)[n - 1] ?? '')
            return v.reported ? undefined : v.why
          }
        : undefined
    const body = unifiedDiff(a.text, b.text, 3, Number.MAX_SAFE_INTEGER, notReported)
    if (body) out.push(`@@ body${a.json && b.json ? ' (JSON, keys sorted)' : ''}`, ...body.split('\n').filter((l, i) => !(i === 0 && l === '@@')))
  }
  const cut = (l: string) => (l.length > maxWidth ? `${l.slice(0, maxWidth - 1)}…` : l)
  if (out.length > maxLines) {
    const more = out.length - maxLines
    return [...out.slice(0, maxLines).map(cut), `@@ … ${more} more line${more === 1 ? '' : 's'} in the HTML report`].join('\n')
  }
  return out.map(cut).join('\n')
}
