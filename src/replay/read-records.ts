/**
 * Opens a capture for reading, whatever it is: our NDJSON capture, a HAR
 * file or a GoReplay `.gor` file, each optionally gzipped. The format comes
 * from the name (`.ndjson`/`.jsonl`, `.har`, `.gor`, then `.gz`) or, failing
 * that, from the first bytes: the gzip magic number, `{"log":` for a HAR,
 * `{` for capture lines, `1 <id> <digits>` for GoReplay.
 *
 * Reading is pull-based: nothing more is read than the consumer asks for.
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { createGunzip } from 'node:zlib'
import { InputUnreadable } from '../errors.js'
import { readNdjson } from './read-ndjson.js'
import { readHar } from './read-har.js'
import { readGor } from './read-gor.js'
import type { ReadItem } from './read-item.js'

export const INPUT_FORMATS = ['ndjson', 'har', 'gor'] as const
export type InputFormat = (typeof INPUT_FORMATS)[number]

export interface OpenedRecords {
  format: InputFormat
  gzip: boolean
  items: AsyncGenerator<ReadItem>
  /** Bytes of the file read so far (compressed bytes for a .gz): progress and ETA. */
  bytesRead(): number
  totalBytes: number
}

/**
 * @example
 *   const input = await openRecords('traffic/captured.ndjson')
 *   for await (const item of input.items) if (item.kind === 'record') send(item.parsed)
 */
export async function openRecords(file: string, format?: InputFormat): Promise<OpenedRecords> {
  let size: number
  let head: Buffer
  try {
    const info = await stat(file)
    if (info.isDirectory()) throw Object.assign(new Error('is a directory, expected a file'), { code: 'EISDIR' })
    size = info.size
    const fh = await open(file, 'r')
    try {
      head = Buffer.alloc(Math.min(size, 2))
      await fh.read(head, 0, head.length, 0)
    } finally {
      await fh.close()
    }
  } catch (err) {
    throw new InputUnreadable(file, describe(err), { cause: err })
  }
  const gzip = head.length === 2 && head[0] === 0x1f && head[1] === 0x8b
  let read = 0
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 })
  raw.on('data', (chunk) => (read += chunk.length))
  const stream = gzip ? raw.pipe(createGunzip()) : raw
  // A gunzip error (a corrupt or cut .gz) surfaces through the iterator; the raw stream's must too.
  if (gzip) raw.on('error', (err) => stream.destroy(err))
  const chunks = wrapErrors(file, stream as AsyncIterable<Buffer>)

  let detected = format ?? formatFromName(file)
  let source: AsyncIterable<Buffer> = chunks
  if (detected === undefined) {
    const { head: text, rest } = await peek(chunks, 4096)
    detected = sniff(text)
    if (detected === undefined) {
      raw.destroy()
      throw new InputUnreadable(
        file,
        'cannot tell its format: expected capture lines (NDJSON of HAR requests), a HAR file ({"log": …}) or a GoReplay file (meta line "1 <id> <timestamp>"); name it .ndjson, .har or .gor',
      )
    }
    source = rest
  }
  const reader = detected === 'har' ? readHar : detected === 'gor' ? readGor : readNdjson
  const items = (async function* () {
    try {
      yield* reader(file, source)
    } finally {
      raw.destroy()
    }
  })()
  return { format: detected, gzip, items, bytesRead: () => read, totalBytes: size }
}

export function formatFromName(file: string): InputFormat | undefined {
  const name = file.toLowerCase().replace(/\.gz$/, '')
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson'
  if (name.endsWith('.har')) return 'har'
  if (name.endsWith('.gor')) return 'gor'
  return undefined
}

function sniff(head: Buffer): InputFormat | undefined {
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart()
  if (/^\{\s*"log"\s*:/.test(text)) return 'har'
  if (text.startsWith('{')) return 'ndjson'
  if (/^[123] \S+ \d+/.test(text)) return 'gor'
  return undefined
}

/** The first `n` bytes (or fewer at the end), and an iterable that yields everything from the start. */
async function peek(chunks: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const iterator = chunks[Symbol.asyncIterator]()
  const seen: Buffer[] = []
  let size = 0
  let done = false
  while (size < n) {
    const next = await iterator.next()
    if (next.done) {
      done = true
      break
    }
    seen.push(next.value)
    size += next.value.length
  }
  const rest = (async function* () {
    yield* seen
    if (done) return
    for (;;) {
      const next = await iterator.next()
      if (next.done) return
      yield next.value
    }
  })()
  return { head: Buffer.concat(seen).subarray(0, n), rest }
}

async function* wrapErrors(file: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* chunks
  } catch (err) {
    throw new InputUnreadable(file, describe(err), { cause: err })
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  if (e.code === 'ENOENT') return 'no such file'
  if (e.code === 'EACCES') return 'permission denied'
  if (e.code === 'EISDIR') return 'is a directory, expected a file'
  if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') return `not valid gzip (${e.message})`
  return `${e.code ?? 'error'}: ${e.message}`
}
