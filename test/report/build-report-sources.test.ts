import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatabaseUnavailable, UsageError } from '../../src/errors.js'
import { buildReport, resolveSources } from '../../src/report/build-report.js'
import { openDatabase } from '../../src/store/open-database.js'
import { tempDir } from '../store/fixtures.js'

describe('resolveSources', () => {
  it('expands a folder to its *.db files, sorted, each file once', () => {
    const dir = tempDir()
    for (const name of ['b.db', 'a.db', 'notes.txt']) fs.writeFileSync(path.join(dir, name), '')
    fs.mkdirSync(path.join(dir, 'nested.db'))
    const a = path.join(dir, 'a.db')
    expect(resolveSources([dir, a])).toEqual([a, path.join(dir, 'b.db')])
  })

  it('rejects a folder without databases and an empty list', () => {
    expect(() => resolveSources([tempDir()])).toThrow(UsageError)
    expect(() => resolveSources([tempDir()])).toThrow(/is a folder without \*\.db files/)
    expect(() => resolveSources([])).toThrow(/pass --db/)
  })

  it('passes a missing file through so opening it names the path', () => {
    const missing = path.join(tempDir(), 'gone.db')
    expect(resolveSources([missing])).toEqual([missing])
    expect(() => buildReport([missing], {})).toThrow(DatabaseUnavailable)
    expect(() => buildReport([missing], {})).toThrow(/gone\.db: no such file/)
  })

  it('reads an empty database as an empty report that fails the gate for lack of samples', () => {
    const file = path.join(tempDir(), 'empty.db')
    openDatabase(file).close()
    const r = buildReport([file], {})
    expect(r.totals.compared).toBe(0)
    expect(r.endpoints).toEqual([])
    expect(r.verdict.reasons).toEqual(['too few samples: 0 compared < 100 required (minSamples)'])
  })
})
