/**
 * `shadowdiff capture export`: converts a capture (or a HAR, or a .gor) to
 * HAR 1.2, GoReplay's format or capture lines, record by record: the input
 * is read only as fast as the output is written, so any size converts in
 * constant memory. A name ending in .gz is gzipped.
 */
import { createWriteStream, mkdirSync } from 'node:fs'
import { once } from 'node:events'
import { dirname } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { PassThrough, type Writable } from 'node:stream'
import { createGzip } from 'node:zlib'
import { UsageError } from '../errors.js'
import { EXIT_USAGE } from '../gate/exit-code.js'
import { openRecords, INPUT_FORMATS, type InputFormat } from '../replay/read-records.js'
import { harEntry, harHead, harTail } from '../capture/export-har.js'
import { gorRecord } from '../capture/export-gor.js'
import { parseCommandFlags, str, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { renderUsage } from './flag-usage.js'

const FLAGS = {
  from: { type: 'string', arg: 'FILE', help: 'the capture to convert: .ndjson, .har, .gor; .gz too', required: true },
  'from-format': { type: 'string', arg: 'FORMAT', help: `${INPUT_FORMATS.join(', ')}, when the name does not say`, default: 'sniffed' },
  format: { type: 'string', arg: 'FORMAT', help: "har (HAR 1.2), gor (GoReplay's file format) or ndjson", required: true },
  out: { type: 'string', short: 'o', arg: 'FILE', help: "where to write ('-' for stdout); a name ending in .gz is gzipped", required: true },
  strict: { type: 'boolean', help: 'stop at the first malformed record, exit 2 (otherwise: report FILE:LINE, skip, count)' },
} satisfies FlagSpec

export const CAPTURE_EXPORT_COMMAND: CommandSpec = {
  name: 'capture export',
  synopsis: '--from FILE --format har|gor|ndjson --out FILE',
  summary: "convert a capture file to HAR 1.2 or GoReplay's format",
  description: `Converts a capture file (serve --capture / compare --capture: one HAR request
per line) to a standard format, record by record. --from also reads HAR and
.gor files, so any of the three converts to any other.`,
  flags: FLAGS,
  footer: 'Exit status: 0 written, 2 usage, unreadable input or (with --strict) a malformed record.',
}

export async function captureCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(renderUsage(CAPTURE_EXPORT_COMMAND))
    return 0
  }
  if (sub !== 'export') throw new UsageError(`expected a subcommand: 'capture export', got ${sub === undefined ? 'none' : `'${sub}'`}`)
  const parsed = parseCommandFlags(rest, CAPTURE_EXPORT_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const from = str(values, 'from')
  const format = str(values, 'format')
  const out = str(values, 'out')
  if (from === undefined) throw new UsageError('--from FILE is required: the capture to convert')
  if (format !== 'har' && format !== 'gor' && format !== 'ndjson') throw new UsageError(`--format: expected har, gor or ndjson, got ${format === undefined ? 'none' : `'${format}'`}`)
  if (out === undefined) throw new UsageError(`--out FILE is required: where the ${format} goes ('-' for stdout)`)
  const fromFormat = str(values, 'from-format') as InputFormat | undefined
  if (fromFormat !== undefined && !INPUT_FORMATS.includes(fromFormat)) throw new UsageError(`--from-format: expected one of ${INPUT_FORMATS.join(', ')}, got '${fromFormat}'`)

  const input = await openRecords(from, fromFormat)
  const sink = new PassThrough()
  let done: Promise<unknown>
  if (out === '-') {
    // stdout is never ended: the process may still write to it.
    sink.pipe(process.stdout, { end: false })
    done = once(sink, 'end')
  } else {
    mkdirSync(dirname(out), { recursive: true })
    const file: Writable = createWriteStream(out)
    done = out.endsWith('.gz') ? pipeline(sink, createGzip(), file) : pipeline(sink, file)
  }
  const write = async (chunk: string | Buffer) => {
    if (!sink.write(chunk)) await once(sink, 'drain')
  }
  let written = 0
  let malformed = 0
  let skipped = 0
  let stop: string | null = null
  try {
    if (format === 'har') await write(harHead())
    for await (const item of input.items) {
      if (item.kind === 'skipped') {
        skipped++
        continue
      }
      if (item.kind === 'malformed') {
        malformed++
        process.stderr.write(`${item.where}: ${item.problem}\n`)
        if (values.strict === true) {
          stop = item.where
          break
        }
        continue
      }
      if (format === 'har') await write(harEntry(item.parsed.record, written === 0))
      else if (format === 'gor') await write(gorRecord(item.parsed))
      else await write(JSON.stringify(item.parsed.record) + '\n')
      written++
    }
    if (format === 'har') await write(harTail())
  } finally {
    sink.end()
    await done
  }
  if (stop !== null) {
    process.stderr.write(`capture export: stopped at the first malformed record (--strict): ${stop}\n`)
    return EXIT_USAGE
  }
  process.stderr.write(
    `capture export: wrote ${written} ${format === 'har' ? 'HAR entries' : format === 'gor' ? 'GoReplay records' : 'capture lines'} to ${out}` +
      `${skipped > 0 ? `; skipped ${skipped} (non-HTTP URLs or .gor responses)` : ''}${malformed > 0 ? `; ${malformed} malformed (see above)` : ''}\n`,
  )
  return 0
}
