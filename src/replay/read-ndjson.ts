/**
 * Reads a capture file (`serve --capture`): one HAR request object per line,
 * with its startedDateTime. Blank lines are allowed; a line that is not a
 * valid record is reported as FILE:LINE and skipped.
 */
import { readLines } from './line-reader.js'
import { parseRecord } from './parse-record.js'
import { itemOf, type ReadItem } from './read-item.js'

export async function* readNdjson(file: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<ReadItem> {
  for await (const line of readLines(chunks)) {
    const where = `${file}:${line.number}`
    if (line.tooLong) {
      yield { kind: 'malformed', where, problem: 'line longer than 64 MiB' }
      continue
    }
    let text = line.bytes.toString('utf8')
    if (line.number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    if (text.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      const cut = line.terminated ? '' : ' (the file ends inside this line: cut short?)'
      yield { kind: 'malformed', where, problem: `not valid JSON: ${(err as Error).message}${cut}` }
      continue
    }
    const started = value !== null && typeof value === 'object' ? (value as { startedDateTime?: unknown }).startedDateTime : undefined
    yield itemOf(where, parseRecord(value, started))
  }
}
