import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatabaseUnavailable } from '../../src/errors.js'
import { openDatabase } from '../../src/store/open-database.js'
import Sqlite from 'better-sqlite3'
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js'
import { tempDir } from './fixtures.js'

describe('openDatabase', () => {
  it('creates a WAL database at the current schema version', () => {
    const file = path.join(tempDir(), 'a.db')
    const db = openDatabase(file)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(1) // NORMAL
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2) // INCREMENTAL
    db.close()
    // Reopening does not migrate again.
    const again = openDatabase(file)
    expect(again.prepare("SELECT count(*) AS n FROM meta WHERE key = 'created_at'").get()).toEqual({ n: 1 })
    again.close()
  })

  it('a version 2 file gains exchanges.compared_as on a writable open; its old rows keep it null', () => {
    const file = path.join(tempDir(), 'v2.db')
    const raw = new Sqlite(file)
    raw.exec(MIGRATIONS[0] + MIGRATIONS[1])
    raw.pragma('user_version = 2')
    raw.prepare(
      `INSERT INTO exchanges (id, at, method, url, route, signature, kinds, fields, divergences, rules, request_headers) VALUES ('old', 1, 'GET', '/a', '/a', 's', 'body', '[]', '[]', '[]', '{}')`,
    ).run()
    raw.close()
    const db = openDatabase(file)
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(db.prepare("SELECT compared_as FROM exchanges WHERE id = 'old'").get()).toEqual({ compared_as: null })
    db.close()
  })

  it('throws DatabaseUnavailable naming the path and what to do when the folder is missing', () => {
    const file = path.join(tempDir(), 'missing', 'a.db')
    expect(() => openDatabase(file)).toThrow(DatabaseUnavailable)
    expect(() => openDatabase(file)).toThrow(/missing\/a\.db.*does not exist; create it \(mkdir -p/)
  })

  it('throws DatabaseUnavailable when the parent is a file', () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'plain'), 'x')
    expect(() => openDatabase(path.join(dir, 'plain', 'a.db'))).toThrow(/is not a folder/)
  })

  it('refuses a read-only open of a missing file or a foreign database', () => {
    const dir = tempDir()
    expect(() => openDatabase(path.join(dir, 'none.db'), { readonly: true })).toThrow(/no such file/)
    const foreign = path.join(dir, 'foreign.db')
    fs.writeFileSync(foreign, '')
    expect(() => openDatabase(foreign, { readonly: true })).toThrow(/not a shadowdiff database/)
  })

  it('refuses a file written by a newer schema', () => {
    const file = path.join(tempDir(), 'new.db')
    const db = openDatabase(file)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    db.close()
    expect(() => openDatabase(file)).toThrow(/newer than this shadowdiff supports/)
    expect(() => openDatabase(file, { readonly: true })).toThrow(DatabaseUnavailable)
  })
})
