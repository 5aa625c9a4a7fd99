/**
 * `shadowdiff rules explain` as text: for one recorded exchange, each
 * matching rule and the differences it hides, then what is still divergent.
 * `--format json` prints the ExchangeExplanation itself.
 */
import type { Divergence } from '../types.js'
import type { ExchangeExplanation } from '../rules/explain-exchange.js'

type Explained = ExchangeExplanation & { id: string; url: string; recordedRules: string[] }

/** Long values are cut: this is a summary, `--format json` has everything. */
function show(value: unknown): string {
  const text = value === undefined ? 'absent' : JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

/** One line per difference: `body /email remove`, `status 200 → 500`. */
export function describeDivergence(d: Divergence): string[] {
  switch (d.kind) {
    case 'status':
      return [`status ${d.primary} → ${d.candidate}`]
    case 'header':
      return [`header ${d.name}: ${show(d.primary)} → ${show(d.candidate)}${d.message ? ` (${d.message})` : ''}`]
    case 'error':
      return [`candidate error ${d.code}: ${d.message}`]
    case 'body':
      if ('ops' in d) {
        return d.ops.map((op) => {
          const value = 'value' in op ? `: ${show(op.value)}` : ''
          const message = (op as { message?: string }).message
          return `body ${op.path || '/'} ${op.op}${value}${message ? ` (${message})` : ''}`
        })
      }
      if ('text' in d) return [`body text differs (${d.text.split('\n').length} diff lines)`]
      return [`body differs: ${d.size.primary} vs ${d.size.candidate} bytes (compared by SHA-256)`]
    case 'undecided':
      // The noise stage released it without a verdict: counted divergent, listed as undecided.
      return d.fields.map((f) => `undecided ${f.field} ${f.op} (${f.reason})`)
  }
}

function list(ds: Divergence[], indent: string): string[] {
  return ds.flatMap(describeDivergence).map((l) => `${indent}- ${l}`)
}

export function renderExplanation(method: string, rulesPath: string | undefined, e: Explained): string {
  const out = [`exchange ${e.id}: ${method} ${e.url} (route ${e.route})`]
  out.push(`rules ${rulesPath ? `from ${rulesPath}` : '(none loaded)'}: ${e.rules.length === 0 ? 'none matched' : `${e.rules.length} matched`}`)
  for (const r of e.rules) {
    const removed = r.removed.flatMap(describeDivergence).length
    out.push(`  ${r.rule} (${r.at}) ${removed === 0 ? 'removed nothing here' : `removed ${removed} difference${removed === 1 ? '' : 's'}:`}`)
    out.push(...list(r.removed, '    '))
  }
  if (e.shadowed.length > 0) {
    out.push('  hidden by several rules at once (no single rule accounts for them):')
    out.push(...list(e.shadowed, '    '))
  }
  const left = e.divergences.flatMap(describeDivergence).length
  out.push(left === 0 ? 'no difference is left with these rules' : `still divergent with these rules (${left}):`)
  out.push(...list(e.divergences, '  '))
  if (e.recordedRules.length > 0) out.push(`recorded under: ${e.recordedRules.join(', ')}`)
  return out.join('\n')
}
