/**
 * Folds divergences into report fields: the "which fields differ, how often"
 * view. Array indices become `*` so `/items/0/price` and `/items/7/price`
 * count as one field, `/items/ * /price`.
 */
import type { Divergence, DivergenceKind } from '../types.js'

export interface FieldKey {
  /** JSON Pointer with indices folded, or `header:<name>`, `status`, `error:<code>`, `body`, `undecided`. */
  field: string
  /** RFC 6902 op for JSON body fields, else the divergence kind (`text`, `sha256` for opaque bodies, `undecided`). */
  op: string
}

const KIND_ORDER: readonly DivergenceKind[] = ['status', 'header', 'body', 'error', 'undecided']

/**
 * The field counted once per exchange with an `undecided` divergence,
 * beside one (field, `undecided`) entry per field left undecided: the
 * report's undecided count of an endpoint is this field's count.
 */
export const UNDECIDED_FIELD: FieldKey = Object.freeze({ field: 'undecided', op: 'undecided' })

/** Folds array indices (all-digit tokens) of a JSON Pointer to `*`. */
export function foldPointer(pointer: string): string {
  if (!/\/\d/.test(pointer)) return pointer
  return pointer.replace(/\/\d+(?=\/|$)/g, '/*')
}

/**
 * The distinct fields of one exchange's divergences, in first-seen order:
 * an exchange counts once per field however many array items differ there.
 */
export function fieldsOf(divergences: readonly Divergence[]): FieldKey[] {
  const seen = new Set<string>()
  const out: FieldKey[] = []
  const add = (field: string, op: string) => {
    const key = `${op}\u0000${field}`
    if (seen.has(key)) return
    seen.add(key)
    out.push({ field, op })
  }
  for (const d of divergences) {
    switch (d.kind) {
      case 'status':
        add('status', 'status')
        break
      case 'header':
        add(`header:${d.name.toLowerCase()}`, 'header')
        break
      case 'error':
        add(`error:${d.code}`, 'error')
        break
      case 'undecided':
        add(UNDECIDED_FIELD.field, UNDECIDED_FIELD.op)
        for (const f of d.fields) add(foldPointer(f.field), 'undecided')
        break
      case 'body':
        if ('ops' in d) for (const op of d.ops) add(foldPointer(op.path), op.op)
        else if ('text' in d) add('body', 'text')
        else add('body', 'sha256')
        break
    }
  }
  return out
}

/** The distinct divergence kinds, in the fixed order status, header, body, error. */
export function kindsOf(divergences: readonly Divergence[]): DivergenceKind[] {
  const present = new Set(divergences.map((d) => d.kind))
  return KIND_ORDER.filter((k) => present.has(k))
}

/** A stable signature of the fields set, used to pick varied examples and cap them. */
export function signatureOf(fields: readonly FieldKey[]): string {
  return fields
    .map((f) => `${f.op} ${f.field}`)
    .sort()
    .join('\n')
}
