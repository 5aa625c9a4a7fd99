import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import zlib from 'node:zlib'
import type http from 'node:http'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { getExchange, listDivergences } from '../../src/store/list-divergences.js'

// Issue 18, defect 9. Bodies longer than the capture cap reach the store as
// an unparsable prefix; the probe found four shapes whose secrets were
// stored anyway, and gzip bodies stored compressed (secrets readable by
// inflating them). Every secret holds "SECRET-"; the test greps every byte
// of the database files (.db, -wal, -shm), and inflates whatever in them
// looks compressed.

const CAP = 2048

function secretBody(side: string): string {
  // The secrets come first, the padding pushes the body past the capture cap.
  return (
    `{"id": 1, "token": ["SECRET-arr-${side}-1", "SECRET-arr-${side}-2"], "session": {"token": {"v": "SECRET-obj-${side}"}},` +
    ` "pass\\u0077ord": "SECRET-esc-${side}", "credentials": {"aws": "SECRET-wild-${side}", "gcp": {"key": "SECRET-wildobj-${side}"}},` +
    ` "name": "VISIBLE-${side}", "pad": "${'x'.repeat(CAP * 2)}"}`
  )
}

function handler(side: string) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const json = Buffer.from(secretBody(side))
    const coding = /\/(gzip|deflate|br)$/.exec(req.url ?? '')?.[1]
    res.setHeader('content-type', 'application/json')
    if (!coding) return res.end(json)
    res.setHeader('content-encoding', coding)
    res.end(coding === 'gzip' ? zlib.gzipSync(json) : coding === 'deflate' ? zlib.deflateSync(json) : zlib.brotliCompressSync(json))
  }
}

function databaseBytes(db: string): Buffer {
  const files = readdirSync(dirname(db)).filter((f) => f.startsWith(basename(db)))
  return Buffer.concat(files.map((f) => readFileSync(join(dirname(db), f))))
}

/** Everything that inflates from any offset of `bytes` that starts a gzip member or a zlib stream. */
function inflateEverything(bytes: Buffer): string {
  const out: string[] = []
  for (let i = 0; i < bytes.length - 2; i++) {
    const gzip = bytes[i] === 0x1f && bytes[i + 1] === 0x8b
    const deflate = bytes[i] === 0x78 && (bytes[i] * 256 + bytes[i + 1]) % 31 === 0
    if (!gzip && !deflate) continue
    try {
      const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH }
      out.push((gzip ? zlib.gunzipSync(bytes.subarray(i), opts) : zlib.inflateSync(bytes.subarray(i), opts)).toString('latin1'))
    } catch {
      // not a stream after all
    }
  }
  return out.join('\n')
}

function expectNoSecret(text: string, where: string): void {
  const found = text.match(/SECRET-[a-z]+-[pc][-0-9]*/g)
  expect.soft(found, `${where} leaks ${[...new Set(found)].join(', ')}`).toBeNull()
}

describe('redaction of bodies cut at the capture cap, and of encoded bodies (issue 18, defect 9)', () => {
  it('stores no secret from arrays, objects, escaped keys or wildcard pointers in a cut body, and no encoded body at all', async () => {
    const { proxyUrl, app, db } = await startProxy({
      primary: await startUpstream(handler('p')),
      candidate: await startUpstream(handler('c')),
      diff: { captureBytes: CAP },
      store: { redactBody: ['/token', '/**/token', '/password', '/credentials/*'] },
    })
    for (const path of ['/cut', '/enc/gzip', '/enc/deflate', '/enc/br']) {
      const res = await request(proxyUrl + path, { headers: { 'accept-encoding': 'gzip, deflate, br' } })
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
    await app.drain()
    expect(app.stats.divergent).toBe(4)
    const live = databaseBytes(db)
    await app.close()
    const closed = databaseBytes(db)

    for (const [when, bytes] of [['live', live], ['after close', closed]] as const) {
      const text = bytes.toString('latin1')
      expect(text).toContain('VISIBLE-p') // the right bytes
      expectNoSecret(text, `database files (${when})`)
      expectNoSecret(inflateEverything(bytes), `database files (${when}), inflated`)
    }

    const rows = listDivergences([db], { limit: 10 })
    expect(rows).toHaveLength(4)
    const byUrl = Object.fromEntries(rows.map((r) => [r.url, getExchange([db], r.id)!]))
    // The cut body is stored, redacted on its structure, as written otherwise.
    const cut = byUrl['/cut'].primaryBody!.toString()
    expect(cut.startsWith('{"id": 1, "token": "[REDACTED]", "session": {"token": "[REDACTED]"}, "pass\\u0077ord": "[REDACTED]", "credentials": {"aws": "[REDACTED]", "gcp": "[REDACTED]"}, "name": "VISIBLE-p", "pad": "xxx')).toBe(true)
    expect(byUrl['/cut'].candidateBody!.toString()).toContain('"name": "VISIBLE-c"')
    // Encoded bodies: a marker, never the bytes.
    for (const coding of ['gzip', 'deflate', 'br']) {
      const ex = byUrl[`/enc/${coding}`]
      expect(ex.primaryBody!.toString(), coding).toBe('[encoded body not stored]')
      expect(ex.candidateBody!.toString(), coding).toBe('[encoded body not stored]')
    }
    expect(app.recorder.stats().encodedBodiesNotStored).toBe(6)

  })
})
