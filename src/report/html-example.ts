/**
 * One example exchange in the HTML report: what differed (status, headers,
 * errors), the two bodies side by side with the REPORTED changes
 * highlighted, and the RFC 6902 patch that turns the primary body into the
 * candidate's. Lines that differ only in fields the comparison took out
 * (ignored, compared by format or tolerance, unordered, noise) are dimmed
 * and labelled instead (example-fields.ts), so nothing looks like a change
 * that the report does not report.
 */
import { diffLines, inlineChange, prettyBody, sideBySide, splitLines, type SideBySideRow } from './body-diff.js'
import { jsonLines, lineJudge, type LineVerdict } from './example-fields.js'
import { html, type Raw } from './html-escape.js'
import { formatCount, formatTime } from './render-format.js'
import type { Divergence } from '../types.js'
import type { ExampleExchange } from './report-types.js'
import { formatMessage } from '../diff/format-compare.js'

/** Side-by-side rows beyond this are cut, so one huge body cannot bloat the report. */
const MAX_ROWS = 400

function statusClass(s: number | null): string {
  if (s === null) return 'st-none'
  return s >= 500 ? 'st-5xx' : s >= 400 ? 'st-4xx' : 'st-ok'
}

function status(s: number | null): Raw {
  return html`<span class="status ${statusClass(s)}">${s ?? 'no response'}</span>`
}

function value(v: unknown): Raw {
  return v === undefined ? html`<em>absent</em>` : html`<code>${typeof v === 'string' ? v : JSON.stringify(v)}</code>`
}

/** Non-body divergences as a small definition table; body ones are described by the diff. */
function divergenceRows(divs: readonly Divergence[]): Raw[] {
  return divs.map((d) => {
    switch (d.kind) {
      case 'status':
        return html`<tr><th>status</th><td>${status(d.primary)}</td><td>${status(d.candidate)}</td></tr>`
      case 'header': {
        const note = formatMessage(d)
        return html`<tr><th>header <code>${d.name}</code>${note === undefined ? '' : html`<br><small>${note}</small>`}</th><td>${d.primary === undefined ? html`<em>absent</em>` : html`<code>${d.primary}</code>`}</td><td>${d.candidate === undefined ? html`<em>absent</em>` : html`<code>${d.candidate}</code>`}</td></tr>`
      }
      case 'error':
        return html`<tr><th>error</th><td colspan="2"><code>${d.code}</code> ${d.message}</td></tr>`
      case 'undecided':
        return html`${d.fields.map((f) => html`<tr class="undecided"><th>undecided <code>${f.field}</code><br><small>${f.reason}</small></th><td>${f.op === 'move' ? html`<em>order</em>` : value(f.primary)}</td><td>${f.op === 'move' ? html`<em>another order</em>` : value(f.candidate)}</td></tr>`)}`
      case 'body':
        if ('sha256' in d) {
          return html`<tr><th>body (hash)</th><td><code title="${d.sha256.primary}">${d.sha256.primary.slice(0, 16)}…</code> ${formatCount(d.size.primary)} B</td><td><code title="${d.sha256.candidate}">${d.sha256.candidate.slice(0, 16)}…</code> ${formatCount(d.size.candidate)} B</td></tr>`
        }
        if ('text' in d) return html`<tr><th>body</th><td colspan="2">${d.text}</td></tr>`
        return html`<tr><th>body</th><td colspan="2">${d.ops.length} JSON operation${d.ops.length === 1 ? '' : 's'} (patch below)${formatNotes(d.ops)}</td></tr>`
    }
  })
}

/** The format changes among JSON operations, one line each: `/generatedAt: format changed: … → …`. */
function formatNotes(ops: Extract<Divergence, { kind: 'body'; ops: unknown }>['ops']): Raw[] {
  return ops.flatMap((op) => {
    const note = formatMessage(op)
    return note === undefined ? [] : [html`<br><code>${op.path}</code>: ${note}`]
  })
}

/** The verdict on a changed line, by the pointer of its line number; undefined when the body is not JSON. */
type Judge = ((n: number) => LineVerdict) | undefined

const LABEL: Record<string, string> = {
  ignored: 'ignored by a rule',
  format: 'compared by format: same format, no difference',
  tolerance: 'within the rule\'s tolerance',
  unordered: 'compared as a multiset: order only',
  noise: 'noise: the secondary differs the same way',
  'not reported': 'not part of the reported difference',
}

function cell(side: { n: number; text: string; op: string } | undefined, other: { text: string } | undefined, left: boolean, judge: Judge): Raw {
  if (!side) return html`<td class="ln"></td><td class="code blank"></td>`
  let text: Raw | string = side.text
  if (side.op === 'eq') return html`<td class="ln">${side.n}</td><td class="code eq">${text}</td>`
  // A line whose counterpart differs only by the comma a neighbour's change added: not a change of its own.
  if (other && side.text.replace(/,$/, '') === other.text.replace(/,$/, '')) return html`<td class="ln">${side.n}</td><td class="code eq">${text}</td>`
  const verdict = judge?.(side.n)
  if (verdict !== undefined && !verdict.reported) {
    return html`<td class="ln">${side.n}</td><td class="code not-reported" data-why="${verdict.why}" title="${LABEL[verdict.why]}">${text}<span class="why">${verdict.why}</span></td>`
  }
  // A changed line paired with its counterpart: mark only the characters that differ.
  if (other) {
    const ch = left ? inlineChange(side.text, other.text) : inlineChange(other.text, side.text)
    const mid = ch ? (left ? ch.a : ch.b) : ''
    if (ch && mid.length > 0) text = html`${ch.prefix}<mark>${mid}</mark>${ch.suffix}`
  }
  const undecided = verdict?.reported && verdict.undecided ? html`<span class="why undecided">undecided</span>` : ''
  return html`<td class="ln">${side.n}</td><td class="code ${side.op}">${text}${undecided}</td>`
}

function diffTable(rows: readonly SideBySideRow[], ex: ExampleExchange, judges: { left: Judge; right: Judge }): Raw {
  const shown = rows.slice(0, MAX_ROWS)
  const body = shown.map((r) => {
    if (r.kind === 'gap') return html`<tr class="gap"><td colspan="4">⋯ ${formatCount(r.hidden)} unchanged line${r.hidden === 1 ? '' : 's'}</td></tr>`
    return html`<tr>${cell(r.left, r.right, true, judges.left)}${cell(r.right, r.left, false, judges.right)}</tr>`
  })
  const cut = rows.length - shown.length
  return html`<table class="sbs"><colgroup><col class="ln"><col><col class="ln"><col></colgroup>
<thead><tr><th colspan="2">primary <code>${ex.primaryContentType ?? ''}</code></th><th colspan="2">candidate <code>${ex.candidateContentType ?? ''}</code></th></tr></thead>
<tbody>${body}${cut > 0 ? html`<tr class="gap"><td colspan="4">⋯ ${formatCount(cut)} more rows not shown</td></tr>` : ''}</tbody></table>`
}

/** The body comparison: side by side when at least one body was recorded. */
function bodySection(ex: ExampleExchange): Raw | string {
  if (ex.primaryBody === undefined && ex.candidateBody === undefined) {
    return html`<p class="muted">Bodies were not recorded for this exchange.</p>`
  }
  const a = prettyBody(ex.primaryBody, ex.primaryContentType)
  const b = prettyBody(ex.candidateBody, ex.candidateContentType)
  const lines = diffLines(splitLines(a.text), splitLines(b.text))
  const judge = lineJudge(ex)
  const judges = judge === undefined ? { left: undefined, right: undefined } : { left: judgeOf(a, ex.primaryBody, judge), right: judgeOf(b, ex.candidateBody, judge) }
  const same = lines.every((l) => l.op === 'eq')
  const note = !same
    ? ''
    : a.text === b.text
      ? `The recorded bodies are identical${a.json ? ' once keys are sorted' : ''}${ex.primaryBody !== ex.candidateBody ? ' (they differ only in key order or whitespace)' : ''}.`
      : 'The recorded bodies differ only in line endings or a trailing newline.'
  const hidden = notReportedLegend(sideBySide(lines), judges)
  return html`${note ? html`<p class="muted">${note}</p>` : ''}${hidden}<div class="sbs-wrap">${diffTable(sideBySide(lines), ex, judges)}</div>`
}

/** Line number → verdict for a JSON body, from the pointers of its pretty-printed lines. */
function judgeOf(pretty: { text: string; json: boolean }, body: string | undefined, judge: (pointer: string) => LineVerdict): Judge {
  if (!pretty.json || body === undefined) return undefined
  let pointers: string[]
  try {
    const lines = jsonLines(JSON.parse(pretty.text))
    // Printed exactly as prettyBody did, or no pointers at all.
    if (lines.map((l) => l.text).join('\n') !== pretty.text) return undefined
    pointers = lines.map((l) => l.pointer)
  } catch {
    return undefined
  }
  return (n) => judge(pointers[n - 1] ?? '')
}

/** One line above the diff naming the dimmed fields and why: `not reported: ignored 1, format 2`. */
function notReportedLegend(rows: readonly SideBySideRow[], judges: { left: Judge; right: Judge }): Raw | string {
  const counts = new Map<string, number>()
  for (const r of rows) {
    if (r.kind !== 'line') continue
    for (const [side, judge] of [[r.left, judges.left], [r.right, judges.right]] as const) {
      if (!side || side.op === 'eq') continue
      const v = judge?.(side.n)
      if (v && !v.reported) counts.set(v.why, (counts.get(v.why) ?? 0) + 1)
    }
  }
  if (counts.size === 0) return ''
  return html`<p class="muted legend">Dimmed lines differ only where the comparison does not report: ${[...counts].map(([why, n], i) => html`${i > 0 ? ', ' : ''}<span class="why">${why}</span> ${n === 1 ? '1 line' : `${n} lines`}`)}. Highlighted lines are what is reported.</p>`
}

/**
 * Renders one example as a collapsible block; `open` expands it (the first
 * example of an endpoint is open so a reviewer sees one diff without clicking).
 */
export function renderExample(ex: ExampleExchange, open: boolean): Raw {
  const rows = divergenceRows(ex.divergences)
  return html`<details class="example"${open ? html` open` : ''}>
<summary><span class="method">${ex.method}</span> <code class="url">${ex.url}</code> ${status(ex.primaryStatus)}<span class="arrow">→</span>${status(ex.candidateStatus)}
${ex.kinds.map((k) => html`<span class="kind k-${k}">${k}</span>`)}<span class="when">${formatTime(ex.at)} · <code>${ex.id}</code></span></summary>
<div class="example-body">
${rows.length ? html`<table class="divs"><thead><tr><th></th><th>primary</th><th>candidate</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
${bodySection(ex)}
${ex.patch && ex.patch.length ? html`<h5>RFC 6902 patch (primary → candidate)</h5><pre class="patch">${ex.patch.map((op) => JSON.stringify(op)).join('\n')}</pre>` : ''}
</div></details>`
}
