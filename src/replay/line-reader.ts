/**
 * Splits a byte stream into lines without decoding it (a `.gor` body can be
 * binary), one line at a time: the stream is read only as fast as the
 * consumer asks, so a 1 GB file costs one chunk and one line of memory.
 */

export interface Line {
  /** The line's bytes, without its '\n' (a trailing '\r' is kept). */
  bytes: Buffer
  /** 1-based. */
  number: number
  /** False for a last line the file ends without '\n'. */
  terminated: boolean
  /** The line was longer than `maxLine`: `bytes` is empty, the rest was skipped. */
  tooLong: boolean
}

/**
 * @example
 *   for await (const line of readLines(createReadStream(file))) console.log(line.number, line.bytes.length)
 */
export async function* readLines(chunks: AsyncIterable<Buffer | string>, maxLine = 64 * 1024 * 1024): AsyncGenerator<Line> {
  let parts: Buffer[] = []
  let size = 0
  let number = 0
  let skipping = false
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(0x0a, start)
      if (nl < 0) break
      number++
      if (skipping) {
        skipping = false
        yield { bytes: EMPTY, number, terminated: true, tooLong: true }
      } else {
        const piece = chunk.subarray(start, nl)
        const bytes = parts.length === 0 ? piece : Buffer.concat([...parts, piece], size + piece.length)
        parts = []
        size = 0
        // A view into the chunk: consumers parse it at once and keep nothing of it.
        if (bytes.length > maxLine) yield { bytes: EMPTY, number, terminated: true, tooLong: true }
        else yield { bytes, number, terminated: true, tooLong: false }
      }
      start = nl + 1
    }
    if (start < chunk.length && !skipping) {
      parts.push(chunk.subarray(start))
      size += chunk.length - start
      if (size > maxLine) {
        parts = []
        size = 0
        skipping = true
      }
    }
  }
  if (skipping) yield { bytes: EMPTY, number: number + 1, terminated: false, tooLong: true }
  else if (size > 0) yield { bytes: Buffer.concat(parts, size), number: number + 1, terminated: false, tooLong: false }
}

const EMPTY = Buffer.alloc(0)
