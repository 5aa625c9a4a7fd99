/**
 * `shadowdiff demo`: a self-contained tour. Starts the two sample services
 * and the proxy in front of them, drives a few hundred requests through it,
 * prints the report summary and gate verdict, writes reports/demo.md (and
 * keeps reports/demo.db to explore), then exits by itself.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { request } from 'undici'
import { buildApp } from '../app.js'
import { validateConfig } from '../config.js'
import { buildReport } from '../report/build-report.js'
import { renderMarkdown } from '../report/render-markdown.js'
import { formatVerdict } from '../gate/format-verdict.js'
import { createLogger } from '../logger.js'
import { parseCommandFlags, int, type FlagSpec } from './parse-flags.js'
import { DEMO_RULES, demoPaths, startDemoServices } from './demo-services.js'

const FLAGS: FlagSpec = { requests: { type: 'string', short: 'n' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }

export async function demoCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, FLAGS, 'Usage: shadowdiff demo [--requests N] [--out DIR]\n\n  --requests N   requests to drive (default 400)\n  --out DIR      where demo.md and demo.db go (default reports)')
  if (parsed === undefined) return 0
  const { values } = parsed
  const count = int(values, 'requests', 1, 100_000) ?? 400
  const outDir = (values.out as string | undefined) ?? 'reports'
  mkdirSync(outDir, { recursive: true })
  const dbPath = join(outDir, 'demo.db')
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true })
  const rulesDir = mkdtempSync(join(tmpdir(), 'shadowdiff-demo-'))
  writeFileSync(join(rulesDir, 'demo.yaml'), DEMO_RULES)

  const services = await startDemoServices()
  const app = buildApp(
    validateConfig({ primary: services.v1, candidate: services.v2, port: 0, adminPort: 0, db: dbPath, rules: rulesDir }),
    { logger: createLogger('warn') },
  )
  try {
    const { proxyUrl } = await app.listen()
    console.log(`shadowdiff demo: v1 (primary) ${services.v1}, v2 (candidate) ${services.v2}, proxy ${proxyUrl}`)
    console.log(`driving ${count} requests through the proxy …`)
    const paths = demoPaths(count)
    let failed = 0
    // A few at a time, like real clients.
    for (let i = 0; i < paths.length; i += 8) {
      await Promise.all(
        paths.slice(i, i + 8).map(async (path) => {
          const res = await request(proxyUrl + path)
          await res.body.dump()
          if (res.statusCode >= 500) failed++
        }),
      )
    }
    await app.drain()
    const report = buildReport([dbPath], { thresholds: { minSamples: 100 } })
    const markdown = renderMarkdown(report)
    const mdPath = join(outDir, 'demo.md')
    writeFileSync(mdPath, markdown)
    const t = report.totals
    console.log(`\nclients got ${count - failed}/${count} answers from v1 without a 5xx (v2's errors never reach them)`)
    console.log(`served ${t.served}, compared ${t.compared}, divergent ${t.divergent} (${(t.divergenceRate * 100).toFixed(1)}%), dropped ${t.dropped}`)
    for (const e of report.endpoints.slice(0, 6)) {
      const top = e.fields.slice(0, 2).map((f) => `${f.field} (${f.op}) ×${f.count}`).join(', ')
      console.log(`  ${e.method} ${e.route}: ${e.divergent}/${e.compared} divergent${top ? ` — ${top}` : ''}`)
    }
    console.log(`\n${formatVerdict(report.verdict)}`)
    console.log(`\nwrote ${mdPath}; explore further with:`)
    console.log(`  npx shadowdiff report --db ${dbPath} --format html   # then open reports/report.html`)
    console.log(`  npx shadowdiff diffs --db ${dbPath} --limit 3`)
    return 0
  } finally {
    await app.close({ graceMs: 2_000 })
    await services.close()
    rmSync(rulesDir, { recursive: true, force: true })
  }
}
