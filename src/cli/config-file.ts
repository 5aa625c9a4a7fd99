/**
 * Reads a `--config` file: YAML or JSON holding the same settings as the
 * flags, in the same shape as Config (see src/config.ts).
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { ConfigInvalid } from '../errors.js'

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigInvalid(`--config ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err })
  }
  let doc: unknown
  try {
    // YAML is a superset of JSON, so one parser reads both.
    doc = parse(text, { prettyErrors: true })
  } catch (err) {
    throw new ConfigInvalid(`--config ${path}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`, { cause: err })
  }
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigInvalid(`--config ${path}: expected a mapping of settings at the top level, got ${Array.isArray(doc) ? 'a list' : typeof doc}`)
  }
  return doc as Record<string, unknown>
}
