/**
 * A small XML 1.0 well-formedness check for renderer tests (no XML parser is
 * installed): one root element, balanced tags, quoted unique attributes,
 * only the five predefined entities or character references, no `<` or bare
 * `&` in text or attribute values, only legal XML characters. Returns the
 * problems found, empty when the document is well formed. Not a validator:
 * the browser test also parses the output with Chromium's DOMParser.
 */
const NAME = /^[A-Za-z_][\w.:-]*$/
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/
const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

export function xmlProblems(xml: string): string[] {
  const problems: string[] = []
  if (ILLEGAL.test(xml)) problems.push('contains a character XML 1.0 forbids')
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '')
  const stack: string[] = []
  let roots = 0
  const re = /<([^>]*)>|([^<]+)/g
  let m: RegExpExecArray | null
  while ((m = re.exec(body))) {
    if (m[2] !== undefined) {
      if (ENTITY.test(m[2])) problems.push(`bare & in text near ${JSON.stringify(m[2].slice(0, 40))}`)
      if (m[2].includes('>') && m[2].includes(']]>')) problems.push('"]]>" in text')
      if (stack.length === 0 && m[2].trim()) problems.push('text outside the root element')
      continue
    }
    const tag = m[1]
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim()
      if (stack.pop() !== name) problems.push(`unbalanced </${name}>`)
      continue
    }
    const selfClosing = tag.endsWith('/')
    const inner = selfClosing ? tag.slice(0, -1) : tag
    const name = inner.split(/\s/)[0]
    if (!NAME.test(name)) problems.push(`bad element name ${JSON.stringify(name)}`)
    const rest = inner.slice(name.length)
    const seen = new Set<string>()
    const attrRe = /\s+([^\s=]+)="([^"]*)"/gy
    let a: RegExpExecArray | null
    let end = 0
    while ((a = attrRe.exec(rest))) {
      end = attrRe.lastIndex
      if (!NAME.test(a[1])) problems.push(`bad attribute name ${JSON.stringify(a[1])}`)
      if (seen.has(a[1])) problems.push(`duplicate attribute ${a[1]} on <${name}>`)
      seen.add(a[1])
      if (a[2].includes('<') || ENTITY.test(a[2])) problems.push(`unescaped < or & in ${name}@${a[1]}`)
    }
    if (rest.slice(end).trim()) problems.push(`cannot parse attributes of <${name}>: ${JSON.stringify(rest.slice(end, end + 40))}`)
    if (stack.length === 0) roots++
    if (!selfClosing) stack.push(name)
  }
  if (stack.length) problems.push(`unclosed <${stack.join('>, <')}>`)
  if (roots !== 1) problems.push(`${roots} root elements`)
  return problems
}
