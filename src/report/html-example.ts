/**
 * One example exchange in the HTML report: what differed (status, headers,
 * errors), the two bodies side by side with changed lines highlighted, and
 * the RFC 6902 patch that turns the primary body into the candidate's.
 */
import { diffLines, inlineChange, prettyBody, sideBySide, splitLines, type SideBySideRow } from './body-diff.js'
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

function cell(side: { n: number; text: string; op: string } | undefined, other: { text: string } | undefined, left: boolean): Raw {
  if (!side) return html`<td class="ln"></td><td class="code blank"></td>`
  let text: Raw | string = side.text
  // A changed line paired with its counterpart: mark only the characters that differ.
  if (side.op !== 'eq' && other) {
    const ch = left ? inlineChange(side.text, other.text) : inlineChange(other.text, side.text)
    const mid = ch ? (left ? ch.a : ch.b) : ''
    if (ch && mid.length > 0) text = html`${ch.prefix}<mark>${mid}</mark>${ch.suffix}`
  }
  return html`<td class="ln">${side.n}</td><td class="code ${side.op}">${text}</td>`
}

function diffTable(rows: readonly SideBySideRow[], ex: ExampleExchange): Raw {
  const shown = rows.slice(0, MAX_ROWS)
  const body = shown.map((r) => {
    if (r.kind === 'gap') return html`<tr class="gap"><td colspan="4">⋯ ${formatCount(r.hidden)} unchanged line${r.hidden === 1 ? '' : 's'}</td></tr>`
    return html`<tr>${cell(r.left, r.right, true)}${cell(r.right, r.left, false)}</tr>`
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
  const same = lines.every((l) => l.op === 'eq')
  const note = !same
    ? ''
    : a.text === b.text
      ? `The recorded bodies are identical${a.json ? ' once keys are sorted' : ''}${ex.primaryBody !== ex.candidateBody ? ' (they differ only in key order or whitespace)' : ''}.`
      : 'The recorded bodies differ only in line endings or a trailing newline.'
  return html`${note ? html`<p class="muted">${note}</p>` : ''}<div class="sbs-wrap">${diffTable(sideBySide(lines), ex)}</div>`
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
