/**
 * Hand-built ComparedExchange fixtures and temporary database paths for the
 * store, report and gate tests.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { onTestFinished } from 'vitest'
import type { ComparedExchange, Divergence, HeaderMap } from '../../src/types.js'

// Memory-backed when the machine has one: creating SQLite files on a real disk
// costs tens of ms each (fsync), and these suites create hundreds.
const BASE = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir()

/** A fresh temporary folder, removed when the test finishes. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(BASE, 'shadowdiff-store-'))
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface FixtureOptions {
  id?: string
  at?: number
  method?: string
  url?: string
  route?: string
  requestHeaders?: HeaderMap
  requestBody?: string | null
  primaryStatus?: number
  candidateStatus?: number
  /** Candidate failed to answer with this code. */
  candidateError?: string
  primaryBody?: string
  candidateBody?: string
  primaryHeaders?: HeaderMap
  candidateHeaders?: HeaderMap
  primaryLatencyMs?: number
  candidateLatencyMs?: number
  divergences?: Divergence[]
}

let seq = 0

/** A compared exchange; equal (no divergences) unless `divergences` is given. */
export function exchange(o: FixtureOptions = {}): ComparedExchange {
  const url = o.url ?? '/api/users/1'
  const q = url.indexOf('?')
  const primaryBody = Buffer.from(o.primaryBody ?? '{"id":1}')
  const candidateBody = Buffer.from(o.candidateBody ?? o.primaryBody ?? '{"id":1}')
  return {
    id: o.id ?? `ex-${++seq}`,
    at: o.at ?? Date.UTC(2025, 0, 1, 12, 0, 0),
    request: {
      method: o.method ?? 'GET',
      url,
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers: o.requestHeaders ?? { host: 'example.test' },
    },
    requestBody: o.requestBody ? Buffer.from(o.requestBody) : null,
    route: o.route ?? '/api/users/:id',
    primary: {
      ok: true,
      status: o.primaryStatus ?? 200,
      headers: { 'content-type': 'application/json', ...o.primaryHeaders },
      body: primaryBody,
      size: primaryBody.length,
      complete: true,
      latencyMs: o.primaryLatencyMs ?? 10,
    },
    candidate: o.candidateError
      ? { ok: false, code: o.candidateError, message: `candidate failed: ${o.candidateError}`, latencyMs: o.candidateLatencyMs ?? 5 }
      : {
          ok: true,
          status: o.candidateStatus ?? 200,
          headers: { 'content-type': 'application/json', ...o.candidateHeaders },
          body: candidateBody,
          size: candidateBody.length,
          complete: true,
          latencyMs: o.candidateLatencyMs ?? 12,
        },
    divergences: o.divergences ?? [],
    rules: [],
  }
}

/** A body divergence on `/name` (replace), as src/diff would report it. */
export function bodyDivergence(path = '/name', value: unknown = 'candidate'): Divergence {
  return { kind: 'body', ops: [{ op: 'replace', path, value }] }
}
