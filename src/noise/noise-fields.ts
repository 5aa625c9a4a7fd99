/**
 * Keeps a field out of the noise of an exchange where it is also divergent,
 * so each field of an exchange counts once: as a divergence or as noise.
 * Then raw count = divergent count + noise count, per field, exactly.
 */
import type { Divergence, Operation } from '../types.js'
import { fieldsOf } from '../store/divergence-fields.js'

function keyOf(f: { field: string; op: string }): string {
  return f.op + '\u0000' + f.field
}

/** `noise` without the fields that also appear in `divergences`; body ops merged into one divergence. */
export function noiseOnlyOutside(noise: readonly Divergence[], divergences: readonly Divergence[]): Divergence[] {
  if (noise.length === 0) return []
  const divergent = new Set(fieldsOf(divergences).map(keyOf))
  const out: Divergence[] = []
  const ops: Operation[] = []
  for (const d of noise) {
    if (d.kind === 'body' && 'ops' in d) {
      for (const op of d.ops) if (!divergent.has(keyOf(fieldsOf([{ kind: 'body', ops: [op] }])[0]))) ops.push(op)
    } else if (!fieldsOf([d]).some((f) => divergent.has(keyOf(f)))) {
      out.push(d)
    }
  }
  if (ops.length > 0) out.push({ kind: 'body', ops })
  return out
}
