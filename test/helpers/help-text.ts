/** Reading a generated --help text (src/cli/flag-usage.ts) in tests. */

const FLAG_LINE = /^ {2}(?:-\w, | {4})--([a-z][\w-]*)(?: (\S+))?(?: +(.*))?$/

/** The long flags a help text documents, in order (`--help` included). */
export function flagsInHelp(help: string): string[] {
  return [...helpEntries(help).keys()]
}

/** Each flag's help text (its continuation lines joined), by flag name. */
export function helpEntries(help: string): Map<string, string> {
  const out = new Map<string, string>()
  let current: string | undefined
  for (const line of help.split('\n')) {
    const m = FLAG_LINE.exec(line)
    if (m) {
      current = m[1]
      out.set(current, m[3] ?? '')
    } else if (current && /^ {6,}\S/.test(line)) {
      out.set(current, `${out.get(current)} ${line.trim()}`.trim())
    } else {
      current = undefined
    }
  }
  return out
}

/** The "(default …)" a flag's help ends with, if any. */
export function helpDefault(help: string, flag: string): string | undefined {
  return /\(default (.+)\)$/.exec(helpEntries(help).get(flag) ?? '')?.[1]
}
