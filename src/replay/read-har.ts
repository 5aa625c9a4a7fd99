/**
 * Reads a HAR 1.2 file (Chromium, Firefox, Charles, mitmproxy, our export)
 * one entry at a time. A HAR is a single JSON document, but its entries are
 * what matters and there can be millions: a small scanner walks the bytes,
 * tracking only strings and nesting, finds `log.entries`, and hands each
 * entry's own text to JSON.parse. Memory is one chunk plus one entry,
 * whatever the file's size; the rest of the document (pages, creator,
 * responses inside entries) is skipped without being built.
 *
 * Each entry's request is replayed (HAR 1.2 §entries: `startedDateTime`,
 * `request`); non-HTTP(S) URLs (data:, blob:, ws:, chrome-extension:) are
 * skipped and counted.
 */
import { InputUnreadable } from '../errors.js'
import { parseRecord } from './parse-record.js'
import { itemOf, type ReadItem } from './read-item.js'

const MAX_ENTRY = 64 * 1024 * 1024
const QUOTE = 0x22
const BACKSLASH = 0x5c
const NL = 0x0a

export async function* readHar(file: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<ReadItem> {
  let line = 1
  let depth = 0
  let inString = false
  let escaped = false
  // Container kinds and object keys of the first three levels: enough to find log.entries.
  const kinds: number[] = []
  const keys: string[] = ['', '', '', '']
  const expectKey: boolean[] = [false, false, false, false]
  let key: number[] | null = null
  let inEntries = false
  let sawEntries = false
  let index = 0
  // The entry being read: its parts so far, where it starts, whether it outgrew MAX_ENTRY.
  let parts: Buffer[] | null = null
  let size = 0
  let start = 0
  let entryLine = 0
  let tooLarge = false

  for await (const chunk of chunks) {
    if (parts !== null) start = 0
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]
      if (c === NL) line++
      if (inString) {
        if (escaped) escaped = false
        else if (c === BACKSLASH) escaped = true
        else if (c === QUOTE) {
          inString = false
          if (key !== null) {
            keys[depth] = Buffer.from(key).toString('utf8')
            key = null
          }
        } else if (key !== null && key.length < 64) key.push(c)
        continue
      }
      if (c === QUOTE) {
        inString = true
        if (depth <= 2 && kinds[depth] === 0x7b && expectKey[depth]) key = []
        continue
      }
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        depth++
        if (depth <= 3) {
          kinds[depth] = c
          expectKey[depth] = c === 0x7b
          keys[depth] = ''
          if (depth === 3 && c === 0x5b && kinds[1] === 0x7b && keys[1] === 'log' && kinds[2] === 0x7b && keys[2] === 'entries') {
            inEntries = true
            sawEntries = true
          }
        } else if (depth === 4 && inEntries) {
          parts = []
          size = 0
          start = i
          entryLine = line
          tooLarge = false
        }
        continue
      }
      if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        if (depth === 4 && inEntries && parts !== null) {
          const where = `${file}:${entryLine}`
          const n = index++
          if (tooLarge) {
            yield { kind: 'malformed', where, problem: `entries[${n}]: larger than ${MAX_ENTRY / 1024 / 1024} MiB` }
          } else {
            const piece = chunk.subarray(start, i + 1)
            const text = (parts.length === 0 ? piece : Buffer.concat([...parts, piece], size + piece.length)).toString('utf8')
            yield entryItem(where, n, text)
          }
          parts = null
        } else if (depth === 3 && inEntries) {
          inEntries = false
        }
        depth--
        continue
      }
      if (depth <= 2 && kinds[depth] === 0x7b) {
        if (c === 0x3a /* : */) expectKey[depth] = false
        else if (c === 0x2c /* , */) expectKey[depth] = true
      }
    }
    if (parts !== null && !tooLarge) {
      parts.push(chunk.subarray(start))
      size += chunk.length - start
      if (size > MAX_ENTRY) {
        tooLarge = true
        parts = []
      }
    }
  }
  if (parts !== null) yield { kind: 'malformed', where: `${file}:${entryLine}`, problem: `entries[${index}]: the file ends inside this entry (cut short?)` }
  if (!sawEntries) throw new InputUnreadable(file, 'not a HAR file: no log.entries list found (HAR 1.2: {"log": {"entries": [...]}})')
}

function entryItem(where: string, n: number, text: string): ReadItem {
  let entry: unknown
  try {
    entry = JSON.parse(text)
  } catch (err) {
    return { kind: 'malformed', where, problem: `entries[${n}]: not valid JSON: ${(err as Error).message}` }
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return { kind: 'malformed', where, problem: `entries[${n}]: expected an entry object` }
  const e = entry as { request?: unknown; startedDateTime?: unknown }
  if (e.request === undefined) return { kind: 'malformed', where, problem: `entries[${n}]: no request object` }
  const item = itemOf(where, parseRecord(e.request, e.startedDateTime))
  return item.kind === 'malformed' ? { ...item, problem: `entries[${n}]: ${item.problem}` } : item
}
