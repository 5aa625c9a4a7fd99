/**
 * Shared by the replay tests: two real upstreams that answer the same JSON
 * except on chosen paths, capture lines written by hand, the real CLI run
 * in a scratch folder (no ./rules of the checkout), and the set of
 * divergent requests read back from the replay's database.
 */
import http from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startUpstream } from '../helpers/upstream.js'
import { runCli, type CliResult } from '../helpers/cli.js'
import { tempDir } from '../helpers/proxy.js'
import { listDivergences } from '../../src/store/list-divergences.js'

export interface Received {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * An upstream answering `{path, method, body-length}` as JSON; `variant`
 * changes the answer for the paths it returns true for. Every request it
 * receives is kept in `received`.
 */
export async function jsonService(variant: (method: string, path: string) => boolean = () => false): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = []
  const url = await startUpstream((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      const path = (req.url ?? '/').split('?')[0]
      const text = JSON.stringify({ path, method: req.method, length: body.length, version: variant(req.method ?? '', path) ? 2 : 1 })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
      res.end(text)
    })
  })
  return { url, received }
}

/** A capture line for `method url` (HAR request + startedDateTime). */
export function captureLine(method: string, url: string, opts: { headers?: [string, string][]; body?: string; at?: number } = {}): string {
  const record: Record<string, unknown> = {
    startedDateTime: new Date(opts.at ?? Date.now()).toISOString(),
    method,
    url,
    httpVersion: 'HTTP/1.1',
    cookies: [],
    headers: (opts.headers ?? [['host', 'shop.example']]).map(([name, value]) => ({ name, value })),
    queryString: [],
    headersSize: -1,
    bodySize: opts.body?.length ?? 0,
  }
  if (opts.body !== undefined) record.postData = { mimeType: 'application/json', text: opts.body }
  return JSON.stringify(record)
}

export function writeLines(dir: string, name: string, lines: string[]): string {
  const file = join(dir, name)
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

export interface ReplayRun extends CliResult {
  db: string
  dir: string
}

/** `shadowdiff replay …` through the real binary in a scratch folder; --db in that folder unless given. */
export async function replay(args: string[], opts: { dir?: string; timeoutMs?: number } = {}): Promise<ReplayRun> {
  const dir = opts.dir ?? tempDir('shadowdiff-replay-')
  const db = args.includes('--db') ? args[args.indexOf('--db') + 1] : join(dir, 'replay.db')
  const result = await runCli(['replay', ...args, ...(args.includes('--db') ? [] : ['--db', db])], { cwd: dir, timeoutMs: opts.timeoutMs ?? 60_000 })
  return { ...result, db, dir }
}

/** `METHOD url` of every divergent exchange stored in `db`, sorted. */
export function divergentSet(db: string): string[] {
  return listDivergences([db], { limit: 10_000 })
    .map((r) => `${r.method} ${r.url}`)
    .sort()
}
