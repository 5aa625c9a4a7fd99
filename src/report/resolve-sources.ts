/**
 * Turns `--db` arguments into database files: a file stays as given, a
 * folder stands for every `*.db` file directly inside it (one per proxy
 * instance, merged by the report).
 */
import fs from 'node:fs'
import path from 'node:path'
import { UsageError } from '../errors.js'

/**
 * @example
 *   resolveSources(['./runs'])        // ['runs/a.db', 'runs/b.db']
 *   resolveSources(['x.db', 'x.db'])  // ['x.db'] (each file once)
 */
export function resolveSources(dbArgs: readonly string[]): string[] {
  if (dbArgs.length === 0) throw new UsageError('no database given: pass --db <file or folder>')
  const out: string[] = []
  const seen = new Set<string>()
  const add = (file: string) => {
    const key = path.resolve(file)
    if (seen.has(key)) return
    seen.add(key)
    out.push(file)
  }
  for (const arg of dbArgs) {
    let stat: fs.Stats | undefined
    try {
      stat = fs.statSync(arg)
    } catch {
      // A missing file is reported by openDatabase with the path and what to do.
      add(arg)
      continue
    }
    if (!stat.isDirectory()) {
      add(arg)
      continue
    }
    const files = fs
      .readdirSync(arg)
      .filter((name) => name.endsWith('.db'))
      .sort()
      .map((name) => path.join(arg, name))
      .filter((file) => fs.statSync(file).isFile())
    if (files.length === 0) throw new UsageError(`--db ${arg} is a folder without *.db files; pass a database file or a folder holding some`)
    files.forEach(add)
  }
  return out
}
