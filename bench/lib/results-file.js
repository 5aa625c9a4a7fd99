/**
 * Writes a run into bench/RESULTS.md between HTML-comment markers, so that
 * re-running replaces the section and leaves the rest of the file alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

const HEADER = `# Benchmark results

Produced by \`npm run bench\` (bench/run.js); see docs/bench.md for what each
case measures and how to read the goals. Numbers from a shared 2-core machine
are noisy: compare ratios within one run, not absolute numbers across runs.
`

/**
 * Replaces (or appends) the section tagged `tag` in `file` with `body`.
 * @example replaceSection('bench/RESULTS.md', 'proxy', '## Proxy …')
 */
export function replaceSection (file, tag, body) {
  const start = `<!-- bench:${tag}:start -->`
  const end = `<!-- bench:${tag}:end -->`
  const block = `${start}\n${body.trim()}\n${end}`
  let text = existsSync(file) ? readFileSync(file, 'utf8') : HEADER
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i !== -1 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length)
  else text = `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`)
}
