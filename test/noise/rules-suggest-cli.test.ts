import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { runCli } from '../helpers/cli.js'
import { bodyDivergence, exchange, tempDir } from '../store/fixtures.js'

function recordNoisy(file: string): void {
  const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0 })
  for (let i = 0; i < 20; i++) {
    const body = (who: string) => JSON.stringify({ id: i, traceId: crypto.randomUUID(), who })
    recorder.recordCompared(
      exchange({ url: `/api/users/${i}`, primaryBody: body('p'), candidateBody: body('p'), divergences: [bodyDivergence('/traceId')] }),
    )
  }
  recorder.close()
}

describe('shadowdiff rules suggest (CLI)', () => {
  it('writes a commented rule file that passes rules check, and never overwrites one without --force', async () => {
    const dir = tempDir()
    const db = path.join(dir, 'run.db')
    recordNoisy(db)
    const out = path.join(dir, 'suggested.yaml')
    const first = await runCli(['rules', 'suggest', '--db', db, '--out', out])
    expect(first.code).toBe(0)
    expect(first.stderr).toMatch(/wrote 1 suggestion from 20 recorded exchanges to .*suggested\.yaml; review it before use/)
    const text = readFileSync(out, 'utf8')
    expect(text).toContain('REVIEW BEFORE USE')
    expect(text).toMatch(/# differs in 20 of 20 recorded exchanges, never the same value twice, 20 times as uuid → uuid, e\.g\. "[0-9a-f-]{36}" → "[0-9a-f-]{36}"\n\s+- "\/traceId"/)

    const check = await runCli(['rules', 'check', out])
    expect(check.code).toBe(0)
    expect(check.stdout).toContain('1 rule OK')

    writeFileSync(out, '# mine\n')
    const again = await runCli(['rules', 'suggest', '--db', db, '--out', out])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('the file exists; choose another path or add --force')
    expect(readFileSync(out, 'utf8')).toBe('# mine\n')
  })

  it('writes reports/suggested-rules.yaml by default (never the watched rules/ folder), prints to stdout with --out -, and names a missing database', async () => {
    const dir = tempDir()
    const db = path.join(dir, 'run.db')
    recordNoisy(db)
    mkdirSync(path.join(dir, 'rules'))
    const byDefault = await runCli(['rules', 'suggest', '--db', db], { cwd: dir })
    expect(byDefault.code).toBe(0)
    expect(byDefault.stdout).toBe('')
    expect(byDefault.stderr).toMatch(/wrote 1 suggestion from 20 recorded exchanges to reports\/suggested-rules\.yaml; review it before use, then pass it with --rules/)
    expect(readFileSync(path.join(dir, 'reports/suggested-rules.yaml'), 'utf8')).toMatch(/^# Suggested by 'shadowdiff rules suggest'/)
    expect(readdirSync(path.join(dir, 'rules'))).toEqual([])
    // Into the watched folder only when --out says so, and then it says what that means.
    const told = await runCli(['rules', 'suggest', '--db', db, '--out', 'rules/90-suggested.yaml'], { cwd: dir })
    expect(told.code).toBe(0)
    expect(told.stderr).toContain("note: rules/90-suggested.yaml is inside")
    expect(told.stderr).toContain("a rules folder 'serve' watches: a running proxy applies it at once")
    const r = await runCli(['rules', 'suggest', '--db', db, '--out', '-'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^# Suggested by 'shadowdiff rules suggest'/)
    expect(r.stdout).toMatch(/# would turn 20 of 20 recorded divergent exchanges equal, e\.g\. GET \/api\/users\/\d+/)
    const missing = await runCli(['rules', 'suggest', '--db', path.join(dir, 'none.db')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('none.db: no such file or folder')
    expect(existsSync(path.join(dir, 'none.db'))).toBe(false)
  })
})
