/**
 * Unified line diff (the `diff -u` format) for text bodies.
 *
 * Myers' O((N+M)·D) algorithm ("An O(ND) Difference Algorithm and Its
 * Variations", 1986) on the lines between the common prefix and suffix.
 * D and the work are capped: past `MAX_EDIT_DISTANCE` or `MAX_WORK` the middle is reported as one hunk
 * that removes every primary line and adds every candidate line, so a
 * pathological pair costs bounded time and memory instead of hanging.
 */

const MAX_EDIT_DISTANCE = 1000
// Bounds the steps (diagonal moves + probes) too: O((N+M)·D) can be large
// for long texts even with D under the cap.
const MAX_WORK = 5_000_000
const CONTEXT = 3

type Edit = { op: ' ' | '-' | '+'; line: string }

/**
 * Returns a unified diff of two texts, '' when they are equal.
 *
 * @example
 *   unifiedDiff('a\nb\n', 'a\nc\n')
 *   // '--- primary\n+++ candidate\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n'
 */
export function unifiedDiff(primary: string, candidate: string): string {
  if (primary === candidate) return ''
  const a = splitLines(primary)
  const b = splitLines(candidate)
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const edits: Edit[] = []
  for (let i = 0; i < start; i++) edits.push({ op: ' ', line: a[i] })
  const middle = myers(a.slice(start, endA), b.slice(start, endB))
  if (middle) edits.push(...middle)
  else {
    for (let i = start; i < endA; i++) edits.push({ op: '-', line: a[i] })
    for (let j = start; j < endB; j++) edits.push({ op: '+', line: b[j] })
  }
  for (let i = endA; i < a.length; i++) edits.push({ op: ' ', line: a[i] })
  return '--- primary\n+++ candidate\n' + formatHunks(edits)
}

function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  // A trailing newline ends the last line; it does not start an empty one.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** The shortest edit script from `a` to `b`, or undefined when D exceeds the cap. */
function myers(a: string[], b: string[]): Edit[] | undefined {
  const n = a.length
  const m = b.length
  const max = Math.min(n + m, MAX_EDIT_DISTANCE)
  const offset = max + 1
  let v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  let work = 0
  for (let d = 0; d <= max; d++) {
    // trace[d] is V as it was before step d: what backtracking needs.
    trace.push(v)
    const next = v.slice()
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
        work++
      }
      if (++work > MAX_WORK) return undefined
      next[offset + k] = x
      if (x >= n && y >= m) return backtrack(trace, a, b, d, offset)
    }
    v = next
  }
  return undefined
}

function backtrack(trace: Int32Array[], a: string[], b: string[], dEnd: number, offset: number): Edit[] {
  const out: Edit[] = []
  let x = a.length
  let y = b.length
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d]
    const k = x - y
    const down = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
    const prevK = down ? k + 1 : k - 1
    const prevX = v[offset + prevK]
    const prevY = prevX - prevK
    // The diagonal (snake) walked after the edit, then the edit itself.
    while (x > prevX && y > prevY) {
      out.push({ op: ' ', line: a[--x] })
      y--
    }
    if (down) out.push({ op: '+', line: b[--y] })
    else out.push({ op: '-', line: a[--x] })
  }
  while (x > 0 && y > 0) {
    out.push({ op: ' ', line: a[--x] })
    y--
  }
  return out.reverse()
}

function formatHunks(edits: Edit[]): string {
  let out = ''
  let i = 0
  // Line numbers (1-based) of edits[i] in each file.
  const lineA: number[] = []
  const lineB: number[] = []
  let la = 1
  let lb = 1
  for (const e of edits) {
    lineA.push(la)
    lineB.push(lb)
    if (e.op !== '+') la++
    if (e.op !== '-') lb++
  }
  while (i < edits.length) {
    while (i < edits.length && edits[i].op === ' ') i++
    if (i >= edits.length) break
    const from = Math.max(0, i - CONTEXT)
    let to = i
    // Extend the hunk while the next change is within 2×CONTEXT lines.
    for (;;) {
      while (to < edits.length && edits[to].op !== ' ') to++
      let gap = to
      while (gap < edits.length && edits[gap].op === ' ') gap++
      if (gap < edits.length && gap - to <= 2 * CONTEXT) to = gap
      else {
        to = Math.min(edits.length, to + CONTEXT)
        break
      }
    }
    let countA = 0
    let countB = 0
    let body = ''
    for (let k = from; k < to; k++) {
      const e = edits[k]
      if (e.op !== '+') countA++
      if (e.op !== '-') countB++
      body += e.op + e.line + '\n'
    }
    const startA = countA === 0 ? lineA[from] - 1 : lineA[from]
    const startB = countB === 0 ? lineB[from] - 1 : lineB[from]
    out += `@@ -${startA},${countA} +${startB},${countB} @@\n` + body
    i = to
  }
  return out
}
