/**
 * The capture is bounded and never a client's problem: a deterministic
 * sample, the methods asked for, a size cap that stops or rotates, a queue
 * that drops and counts, and an unwritable, missing or full destination
 * that costs capture lines (counted, logged), never an answer.
 */
import { describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { pino } from 'pino'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { jsonService } from '../replay/replay-kit.js'
import { CaptureSink } from '../../src/capture/capture-sink.js'
import { DEFAULTS } from '../../src/config.js'
import { mountTmpfs, tmpfsUnavailable } from '../faults/tmpfs.js'

async function get(url: string, init: Parameters<typeof request>[1] = {}): Promise<number> {
  const res = await request(url, init)
  await res.body.dump()
  return res.statusCode
}

const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean)

describe('capture bounds', () => {
  it('capture.sample 10 writes exactly 10 of 100; capture.methods leaves the others out, counted', async () => {
    const up = await jsonService()
    const file = join(tempDir(), 'c.ndjson')
    const { app, proxyUrl } = await startProxy({ primary: up.url, candidate: up.url, capture: { file, sample: 10, methods: ['GET'] } })
    for (let i = 0; i < 100; i++) expect(await get(`${proxyUrl}/a/${i}`)).toBe(200)
    for (let i = 0; i < 5; i++) expect(await get(`${proxyUrl}/b/${i}`, { method: 'DELETE' })).toBe(200)
    await app.drain()
    expect(linesOf(file)).toHaveLength(10)
    expect(app.capture!.stats()).toMatchObject({ written: 10, sampledOut: 90, notCaptured: 5 })
    // Spread evenly: the 10th, 20th, … request (Traefik's deterministic sampler).
    expect(linesOf(file).map((l) => new URL(JSON.parse(l).url).pathname)).toEqual(Array.from({ length: 10 }, (_, i) => `/a/${i * 10}`))
  })

  it('capture.maxBytes stops the capture at the cap, whole lines only; with capture.rotate it moves the file to FILE.1', async () => {
    const up = await jsonService()
    const dir = tempDir()
    const stop = join(dir, 'stop.ndjson')
    const rotate = join(dir, 'rotate.ndjson')
    const a = await startProxy({ primary: up.url, candidate: up.url, capture: { file: stop, maxBytes: 2_000 } })
    const b = await startProxy({ primary: up.url, candidate: up.url, capture: { file: rotate, maxBytes: 2_000, rotate: true } })
    for (let i = 0; i < 40; i++) {
      expect(await get(`${a.proxyUrl}/items/${i}`)).toBe(200)
      expect(await get(`${b.proxyUrl}/items/${i}`)).toBe(200)
    }
    await Promise.all([a.app.drain(), b.app.drain()])
    const stopped = a.app.capture!.stats()
    expect(statSync(stop).size).toBeLessThanOrEqual(2_000)
    expect(stopped.written).toBe(linesOf(stop).length)
    expect(stopped.written + stopped.overCap).toBe(40)
    expect(stopped.overCap).toBeGreaterThan(0)
    for (const line of linesOf(stop)) JSON.parse(line)

    const rotated = b.app.capture!.stats()
    expect(rotated.rotations).toBeGreaterThan(0)
    expect(rotated.overCap).toBe(0)
    expect(statSync(rotate).size).toBeLessThanOrEqual(2_000)
    expect(statSync(`${rotate}.1`).size).toBeLessThanOrEqual(2_000)
    // The newest requests are in the file, the ones before them in FILE.1.
    const last = linesOf(rotate).map((l) => new URL(JSON.parse(l).url).pathname)
    expect(last.at(-1)).toBe('/items/39')
    expect(new URL(JSON.parse(linesOf(`${rotate}.1`).at(-1)!).url).pathname).toBe(`/items/${39 - last.length}`)
  })

  it('an unwritable destination (a folder, a missing folder) is counted and logged; clients get their answers', async () => {
    const up = await jsonService()
    const dir = tempDir()
    mkdirSync(join(dir, 'is-a-folder'))
    const missing = join(dir, 'not-yet', 'c.ndjson')
    const a = await startProxy({ primary: up.url, candidate: up.url, capture: { file: join(dir, 'is-a-folder') } })
    const b = await startProxy({ primary: up.url, candidate: up.url, capture: { file: missing } })
    for (let i = 0; i < 10; i++) {
      expect(await get(`${a.proxyUrl}/x/${i}`)).toBe(200)
      expect(await get(`${b.proxyUrl}/x/${i}`)).toBe(200)
    }
    await Promise.all([a.app.drain(), b.app.drain()])
    expect(a.app.capture!.stats()).toMatchObject({ written: 0, failed: 10, lastError: expect.stringMatching(/^EISDIR/) })
    expect(b.app.capture!.stats()).toMatchObject({ written: 0, failed: 10, lastError: expect.stringMatching(/^ENOENT/) })
    expect(a.app.status()).toMatchObject({ served: 10, compared: 10, capture: { failed: 10 } })
    // The folder appears: the next batch opens the file and the capture resumes by itself.
    mkdirSync(join(dir, 'not-yet'))
    expect(await get(`${b.proxyUrl}/x/after`)).toBe(200)
    await b.app.drain()
    expect(b.app.capture!.stats()).toMatchObject({ written: 1, failed: 10 })
    expect(linesOf(missing)).toHaveLength(1)
  })

  it('a body above mirror.maxBodyBytes is served and counted, not captured; a full queue drops and counts', async () => {
    const up = await jsonService()
    const file = join(tempDir(), 'c.ndjson')
    const { app, proxyUrl } = await startProxy({ primary: up.url, candidate: up.url, mirror: { maxBodyBytes: 1_000 }, capture: { file } })
    expect(await get(`${proxyUrl}/upload`, { method: 'POST', body: Buffer.alloc(5_000, 'a') })).toBe(200)
    expect(await get(`${proxyUrl}/upload`, { method: 'POST', body: Buffer.alloc(500, 'b') })).toBe(200)
    await app.drain()
    expect(app.capture!.stats()).toMatchObject({ written: 1, bodyTooLarge: 1 })
    expect(JSON.parse(linesOf(file)[0]).postData.text).toBe('b'.repeat(500))

    const sink = new CaptureSink({ ...DEFAULTS.capture, file: join(tempDir(), 'q.ndjson') }, {}, pino({ level: 'silent' }), { maxQueue: 3 })
    for (let i = 0; i < 10; i++) sink.offer(Date.now(), 'GET', `/q/${i}`, { headers: { host: 'h' }, httpVersion: '1.1' }, { kind: 'none' })
    await sink.close()
    expect(sink.stats()).toMatchObject({ written: 3, dropped: 7, queued: 0 })
  })
})

describe.skipIf(tmpfsUnavailable !== null)(`the capture's disk fills up${tmpfsUnavailable ? ` (skipped: ${tmpfsUnavailable})` : ''}`, () => {
  it('counts the lost lines, leaves no half line, keeps serving, and resumes once space is freed', async () => {
    const up = await jsonService()
    const dir = mountTmpfs(256)
    const file = join(dir, 'c.ndjson')
    const { app, proxyUrl } = await startProxy({ primary: up.url, candidate: up.url, db: join(tempDir(), 'db.db'), capture: { file } })
    // Fill the disk but a few hundred bytes: the next capture lines do not fit.
    const filler = join(dir, 'filler')
    const fd = openSync(filler, 'w')
    try {
      for (;;) writeSync(fd, Buffer.alloc(512, 1))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
    } finally {
      closeSync(fd)
    }
    const body = 'x'.repeat(3_000)
    for (let i = 0; i < 20; i++) expect(await get(`${proxyUrl}/full/${i}`, { method: 'POST', body })).toBe(200)
    await app.drain()
    const full = app.capture!.stats()
    expect(full.failed).toBeGreaterThan(0)
    expect(full.lastError).toMatch(/^ENOSPC/)
    expect(full.written + full.failed).toBe(20)
    if (existsSync(file)) for (const line of linesOf(file)) JSON.parse(line)

    rmSync(filler)
    expect(await get(`${proxyUrl}/full/after`, { method: 'POST', body })).toBe(200)
    await app.drain()
    expect(app.capture!.stats().written).toBe(full.written + 1)
    const lines = linesOf(file)
    for (const line of lines) JSON.parse(line)
    expect(new URL(JSON.parse(lines.at(-1)!).url).pathname).toBe('/full/after')
  })
})
