/**
 * Structural redaction of JSON text that may be cut anywhere: a body longer
 * than the capture cap is stored from its first bytes, which JSON.parse
 * refuses, and a textual search for `"token": "…"` misses `"token": ["s"]`,
 * `"token": {"v": "s"}`, an escaped key (`"pass\u0077ord"`) and wildcard
 * pointers (`/credentials/*`).
 *
 * This is a one-pass JSON tokenizer that knows where it is: a stack of open
 * containers with the current key (escapes decoded) or index of each. When
 * a value starts, its path is known before any of its bytes are copied; if
 * the path is redacted, the whole value (string, number, literal, object or
 * array) is skipped and `"[REDACTED]"` written instead, even when the text
 * ends inside it. Everything else is copied as written (whitespace and key
 * spellings included), so a complete body comes out as valid JSON.
 *
 * Text that stops being JSON is cut there: what follows is not understood,
 * so it is not kept. A key cut before its closing quote is dropped.
 */

/** Decides whether the value at `path` (keys and array indices as strings) is redacted. */
export type PathMatcher = (path: readonly string[]) => boolean

export interface StreamRedaction {
  /** The redacted text: a prefix of valid JSON, or valid JSON when `complete`. */
  text: string
  /** True when the input was one whole JSON value (with surrounding whitespace). */
  complete: boolean
}

interface Frame {
  array: boolean
  /** The current key (object) or index (array), as a path token. */
  token: string
  index: number
}

const enum Expect {
  Value,
  FirstKeyOrEnd,
  Key,
  Colon,
  FirstValueOrEnd,
  CommaOrEnd,
  Done,
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d])

/**
 * Redacts the values of `text` whose path `redacted` accepts, writing
 * `replacement` (a JSON value) in their place.
 *
 * @example
 *   redactJsonStream('{"a":1,"token":["s","t"', (p) => p[0] === 'token').text
 *   // '{"a":1,"token":"[REDACTED]"'
 */
export function redactJsonStream(text: string, redacted: PathMatcher, replacement = '"[REDACTED]"'): StreamRedaction {
  const stack: Frame[] = []
  let out = ''
  let i = 0
  let state = Expect.Value
  const n = text.length
  const cut = (): StreamRedaction => ({ text: out, complete: false })

  while (i < n) {
    const c = text.charCodeAt(i)
    if (WS.has(c)) {
      out += text[i++]
      continue
    }
    switch (state) {
      case Expect.Value:
      case Expect.FirstValueOrEnd: {
        if (state === Expect.FirstValueOrEnd && c === 0x5d /* ] */) {
          out += ']'
          i++
          stack.pop()
          state = afterValue(stack)
          break
        }
        if (redacted(stack.map((f) => f.token))) {
          const end = skipValue(text, i)
          out += replacement
          if (end < 0) return cut()
          i = end
          state = afterValue(stack)
          break
        }
        if (c === 0x7b /* { */) {
          out += '{'
          i++
          stack.push({ array: false, token: '', index: 0 })
          state = Expect.FirstKeyOrEnd
        } else if (c === 0x5b /* [ */) {
          out += '['
          i++
          stack.push({ array: true, token: '0', index: 0 })
          state = Expect.FirstValueOrEnd
        } else if (c === 0x22 /* " */) {
          const end = stringEnd(text, i)
          if (end === -2) return cut()
          out += text.slice(i, end < 0 ? n : end)
          if (end < 0) return cut()
          i = end
          state = afterValue(stack)
        } else {
          const end = literalEnd(text, i)
          if (end === i) return cut()
          out += text.slice(i, end)
          i = end
          state = afterValue(stack)
        }
        break
      }
      case Expect.FirstKeyOrEnd:
      case Expect.Key: {
        if (state === Expect.FirstKeyOrEnd && c === 0x7d /* } */) {
          out += '}'
          i++
          stack.pop()
          state = afterValue(stack)
          break
        }
        if (c !== 0x22) return cut()
        const key = readKey(text, i)
        // A key cut short (or malformed) is dropped: nothing after it is known.
        if (key === null) return cut()
        stack[stack.length - 1].token = key.value
        out += text.slice(i, key.end)
        i = key.end
        state = Expect.Colon
        break
      }
      case Expect.Colon:
        if (c !== 0x3a /* : */) return cut()
        out += ':'
        i++
        state = Expect.Value
        break
      case Expect.CommaOrEnd: {
        const top = stack[stack.length - 1]
        if (c === 0x2c /* , */) {
          out += ','
          i++
          if (top.array) {
            top.token = String(++top.index)
            state = Expect.Value
          } else state = Expect.Key
        } else if (c === (top.array ? 0x5d : 0x7d)) {
          out += text[i++]
          stack.pop()
          state = afterValue(stack)
        } else return cut()
        break
      }
      case Expect.Done:
        return cut()
    }
  }
  return { text: out, complete: state === Expect.Done }
}

function afterValue(stack: Frame[]): Expect {
  return stack.length === 0 ? Expect.Done : Expect.CommaOrEnd
}

/** Index after the closing quote of the string starting at `start`; -1 when the text ends first; -2 when malformed. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x5c /* \ */) i++
    else if (c === 0x22) return i + 1
    else if (c < 0x20) return -2
  }
  return -1
}

/** Index after a number or literal (true, false, null) starting at `start`. */
function literalEnd(text: string, start: number): number {
  let i = start
  while (i < text.length && /[-+.\deEtruefalsn]/.test(text[i])) i++
  return i
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

/** The decoded key of the string at `start` and the index after it; null when cut or malformed. */
function readKey(text: string, start: number): { value: string; end: number } | null {
  let value = ''
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]
    if (ch === '"') return { value, end: i + 1 }
    if (ch.charCodeAt(0) < 0x20) return null
    if (ch !== '\\') {
      value += ch
      continue
    }
    const e = text[++i]
    if (e === undefined) return null
    if (e === 'u') {
      const hex = text.slice(i + 1, i + 5)
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return null
      // Surrogate pairs come as two escapes; JavaScript strings join them.
      value += String.fromCharCode(parseInt(hex, 16))
      i += 4
    } else if (e in ESCAPES) value += ESCAPES[e]
    else return null
  }
  return null
}

/**
 * Index after the value starting at `start` (any type), or -1 when the text
 * ends inside it. Lenient about what is inside (it is thrown away), strict
 * about strings, so a bracket inside a string never ends a container.
 */
function skipValue(text: string, start: number): number {
  const c = text.charCodeAt(start)
  if (c === 0x22) {
    const end = stringEnd(text, start)
    return end === -2 ? -1 : end
  }
  if (c !== 0x7b && c !== 0x5b) {
    const end = literalEnd(text, start)
    // The literal may go on past the cut: only a delimiter proves its end.
    return end === text.length ? -1 : end
  }
  let depth = 0
  for (let i = start; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 0x22) {
      const end = stringEnd(text, i)
      if (end < 0) return -1
      i = end - 1
    } else if (ch === 0x7b || ch === 0x5b) depth++
    else if (ch === 0x7d || ch === 0x5d) {
      if (--depth === 0) return i + 1
    }
  }
  return -1
}
