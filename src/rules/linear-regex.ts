/**
 * Regular expressions from rules, compiled by a linear-time engine: RE2's
 * automata, in re2js (a pure-JavaScript port of RE2, no native build). A rule
 * pattern runs on the proxy's event loop against client-controlled input (a
 * query value, a response body); with V8's backtracking engine one pattern
 * such as `^(\d|\w)+$` blocked every client for seconds on 28 digits, and
 * the heuristic that was meant to refuse such patterns (safe-regex2) let it
 * through. RE2 guarantees time linear in the input for every pattern it
 * accepts, so there is nothing to guess.
 *
 * The price is RE2's syntax: no backreferences (`\1`, `\k<name>`), no
 * lookahead or lookbehind (`(?=`, `(?!`, `(?<=`, `(?<!`), repeat counts up to
 * 1000. Such a pattern is refused when the rules load, with RE2's reason
 * (docs/rules.md#regular-expressions).
 */
import { RE2JS } from 're2js'

const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, u: 0 }

/** A compiled rule regex: matching and replacing in time linear in the input. */
export class LinearRegex {
  readonly source: string
  readonly flags: string
  #re: RE2JS

  /** Throws an Error whose message is RE2's reason when the pattern cannot be compiled. */
  constructor(source: string, flags = '') {
    let bits = 0
    for (const f of flags) {
      if (!(f in FLAG_BITS)) throw new Error(`flag '${f}' is not supported; expected flags from 'imsu'`)
      bits |= FLAG_BITS[f]
    }
    this.source = source
    this.flags = flags
    try {
      // translateRegExp: JavaScript spellings (`\u00e9`, `(?<name>…)`, `/`) to RE2's.
      this.#re = RE2JS.compile(RE2JS.translateRegExp(source), bits)
    } catch (err) {
      throw new Error(reason(err as Error), { cause: err })
    }
  }

  /** Whether the pattern matches anywhere in `input` (RegExp#test without `g`). */
  test(input: string): boolean {
    return this.#re.test(input)
  }

  /** Replaces every match, with `$1`, `$<name>`, `$&` and `$$` as in String#replace. */
  replaceAll(input: string, replacement: string): string {
    return this.#re.matcher(input).replaceAll(replacement)
  }

  toString(): string {
    return `/${this.source}/${this.flags}`
  }
}

/** RE2's message, without its prefix, with a hint for the two usual causes. */
function reason(err: Error): string {
  const message = err.message.replace(/^error parsing regexp: /, '')
  if (/invalid escape sequence: `\\[1-9k]/.test(message)) return `${message} (backreferences are not supported by the linear-time engine)`
  if (/unsupported Perl syntax: `\(\?[=!<]|invalid named capture: `\(\?<[=!]/.test(message)) return `${message} (lookahead and lookbehind are not supported by the linear-time engine)`
  return message
}
