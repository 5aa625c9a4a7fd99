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
import { buildApp, type App } from '../app.js'
import { validateConfig } from '../config.js'
import { buildReport } from '../report/build-report.js'
import { renderMarkdown } from '../report/render-markdown.js'
import { formatVerdict } from '../gate/format-verdict.js'
import { createLogger } from '../logger.js'
import { parseCommandFlags, int, str, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { DEFAULT_SEED, DEMO_RULES, demoPaths, startDemoServices, type DemoServices } from './demo-services.js'

const DEFAULT_REQUESTS = 400
const DEFAULT_OUT = 'reports'

const FLAGS = {
  requests: { type: 'string', short: 'n', arg: 'N', help: 'requests to drive through the proxy', default: DEFAULT_REQUESTS },
  seed: { type: 'string', arg: 'N', help: 'seed of the traffic mix and the sample services: the same seed gives the same run', default: DEFAULT_SEED },
  port: { type: 'string', arg: 'N', help: "the proxy's port", default: '0, a free one' },
  'admin-port': { type: 'string', arg: 'N', help: "the admin API's port", default: '0, a free one' },
  out: { type: 'string', arg: 'DIR', help: 'where demo.md and demo.db go', default: DEFAULT_OUT },
} satisfies FlagSpec

export const DEMO_COMMAND: CommandSpec = {
  name: 'demo',
  synopsis: '[--requests N] [--seed N] [--out DIR]',
  summary: 'a self-contained tour: two sample services, traffic, report, gate',
  description: `Starts two sample services (v1, and a "refactored" v2 with planted bugs and
volatile fields), puts the proxy in front, drives the requests, prints the
report summary and the gate verdict, writes demo.md and keeps demo.db, and exits.`,
  flags: FLAGS,
}

export async function demoCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, DEMO_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const count = int(values, 'requests', 1, 100_000) ?? DEFAULT_REQUESTS
  const seed = int(values, 'seed', 0, 2 ** 32 - 1) ?? DEFAULT_SEED
  const port = int(values, 'port', 0, 65535) ?? 0
  const adminPort = int(values, 'admin-port', 0, 65535) ?? 0
  const outDir = str(values, 'out') ?? DEFAULT_OUT
  mkdirSync(outDir, { recursive: true })
  const dbPath = join(outDir, 'demo.db')
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true })
  const rulesDir = mkdtempSync(join(tmpdir(), 'shadowdiff-demo-'))
  writeFileSync(join(rulesDir, 'demo.yaml'), DEMO_RULES)

  const services = await startDemoServices(seed)
  let app: App | undefined
  try {
    app = buildApp(validateConfig({ primary: services.v1, candidate: services.v2, port, adminPort, db: dbPath, rules: rulesDir }), { logger: createLogger('warn') })
    return await tour(app, services, { count, seed, outDir, dbPath })
  } finally {
    // Also when the app could not be built (the database would not open): the sample services must not keep the process alive.
    await app?.close({ graceMs: 2_000 })
    await services.close()
    rmSync(rulesDir, { recursive: true, force: true })
  }
}

async function tour(app: App, services: DemoServices, { count, seed, outDir, dbPath }: { count: number; seed: number; outDir: string; dbPath: string }): Promise<number> {
  const { proxyUrl, adminUrl } = await app.listen()
  console.log(`shadowdiff demo: proxy ${proxyUrl} (admin ${adminUrl}) in front of v1 (primary) ${services.v1} and v2 (candidate) ${services.v2}`)
  console.log(`driving ${count} requests through the proxy (seed ${seed}) …`)
  const paths = demoPaths(count, seed)
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
  console.log(`\n${formatVerdict(report.verdict).trimEnd()}`)
  console.log(`\nwrote ${mdPath}; explore further with:`)
  console.log(`  npx shadowdiff report --db ${dbPath} --format html   # then open reports/report.html`)
  console.log(`  npx shadowdiff diffs --db ${dbPath} --limit 3`)
  return 0
}
