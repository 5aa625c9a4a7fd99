/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per
 * function and per source (our file, or the node_modules package, or a Node
 * internal), which is where optimization effort should go first.
 */
import { readFileSync } from 'node:fs'

/**
 * @param {string} file path to a .cpuprofile JSON
 * @param {string} [root] checkout whose paths are shown relative (dist/proxy/…)
 * @returns {{ totalMs: number, idleMs: number, functions: {name: string, where: string, ms: number, pct: number}[], sources: {source: string, ms: number, pct: number}[], ours: {fn: string, ms: number, pct: number}[] }}
 */
export function summarizeCpuProfile (file, root = process.cwd()) {
  const prefix = `file://${root.replace(/\/$/, '')}/`
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  // Each sample's time delta belongs to the node that was on top of the stack.
  const selfUs = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const fn = new Map()
  const src = new Map()
  let total = 0
  let idle = 0
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)
    // Percentages are of busy time: idle is the event loop waiting, not a hot spot.
    if (callFrame.functionName === '(idle)') { idle += us; continue }
    total += us
    const where = callFrame.url ? `${shortUrl(callFrame.url, prefix)}:${callFrame.lineNumber + 1}` : ''
    const name = callFrame.functionName || '(anonymous)'
    const key = `${name} ${where}`
    fn.set(key, { name, where, us: (fn.get(key)?.us ?? 0) + us })
    const source = sourceOf(callFrame, prefix)
    src.set(source, (src.get(source) ?? 0) + us)
  }
  const pct = (us) => (100 * us) / total
  const ours = inclusiveOurs(profile, byId, selfUs, prefix)
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    functions: [...fn.values()].sort((a, b) => b.us - a.us).map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, pct: pct(f.us) })),
    sources: [...src].sort((a, b) => b[1] - a[1]).map(([source, us]) => ({ source, ms: us / 1000, pct: pct(us) })),
    ours: [...ours].sort((a, b) => b[1] - a[1]).map(([fn, us]) => ({ fn, ms: us / 1000, pct: pct(us) }))
  }
}

/**
 * Inclusive time of the checkout's own functions (everything under `prefix`):
 * self time hides our cost inside the library and native frames we call
 * (res.end() shows up as `writev`), so this answers "which of our calls
 * costs what, all in".
 */
function inclusiveOurs (profile, byId, selfUs, prefix) {
  const parent = new Map()
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id)
  const incl = new Map()
  for (const [id, us] of selfUs) {
    if (byId.get(id).callFrame.functionName === '(idle)') continue
    const seen = new Set()
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur).callFrame
      if (!cf.url.startsWith(prefix) || cf.url.includes('/node_modules/')) continue
      const key = `${cf.functionName || '(anonymous)'} ${cf.url.slice(prefix.length)}:${cf.lineNumber + 1}`
      if (seen.has(key)) continue // recursion: count a sample once per function
      seen.add(key)
      incl.set(key, (incl.get(key) ?? 0) + us)
    }
  }
  return incl
}

/** Markdown tables of the top `n` functions, sources, and our functions inclusive. */
export function formatSummary (summary, n = 25) {
  const lines = [`Busy ${summary.totalMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms; percentages are of busy time.`, '', '| self % | self ms | function | where |', '|--:|--:|---|---|']
  for (const f of summary.functions.slice(0, n)) lines.push(`| ${f.pct.toFixed(1)} | ${f.ms.toFixed(0)} | ${f.name} | ${f.where} |`)
  lines.push('', '| self % | self ms | source |', '|--:|--:|---|')
  for (const s of summary.sources.slice(0, n)) lines.push(`| ${s.pct.toFixed(1)} | ${s.ms.toFixed(0)} | ${s.source} |`)
  lines.push('', '| inclusive % | inclusive ms | our function (with everything it calls) |', '|--:|--:|---|')
  for (const o of summary.ours.slice(0, n)) lines.push(`| ${o.pct.toFixed(1)} | ${o.ms.toFixed(0)} | ${o.fn} |`)
  return lines.join('\n')
}

function shortUrl (url, prefix) {
  const nm = url.lastIndexOf('node_modules/')
  if (nm !== -1) return url.slice(nm + 'node_modules/'.length)
  if (url.startsWith(prefix)) return url.slice(prefix.length)
  return url.replace(/^file:\/\//, '')
}

/** Groups a frame: a package, one of our files, a Node internal, or V8 itself. */
function sourceOf ({ url, functionName }, prefix) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8)'
  if (url.startsWith('node:')) return url
  const nm = url.lastIndexOf('node_modules/')
  if (nm !== -1) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/')
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
  }
  return shortUrl(url, prefix)
}
