/**
 * HTML escaping for the report. Every value that came from recorded traffic
 * (bodies, headers, URLs, routes, rule output, audit causes) is untrusted: it
 * goes through `esc` before it touches markup, in text and in attributes
 * alike, so a body holding `<script>` or `"><img onerror=…>` renders as text.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * Escapes `& < > " '` so the result is safe inside element text and inside a
 * quoted attribute value. C0 control characters (except tab, newline, CR) are
 * shown as U+FFFD so they cannot confuse the parser or hide text.
 *
 * @example esc('<b title="x">') // '&lt;b title=&quot;x&quot;&gt;'
 */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/[&<>"']/g, (c) => ENTITIES[c])
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd')
}

/**
 * Tagged template that escapes every interpolated value, except values
 * already wrapped by `raw()` (markup this module built itself).
 *
 * @example html`<td>${route}</td>` // route is escaped
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += toHtml(values[i]) + strings[i + 1]
  return new Raw(out)
}

/** Markup that is already safe; produced only by `html` and `raw` in this codebase. */
export class Raw {
  readonly value: string
  constructor(value: string) {
    this.value = value
  }
  toString(): string {
    return this.value
  }
}

/** Marks trusted markup (built by the renderer, never from recorded data) as safe. */
export function raw(markup: string): Raw {
  return new Raw(markup)
}

function toHtml(v: unknown): string {
  if (v instanceof Raw) return v.value
  if (Array.isArray(v)) return v.map(toHtml).join('')
  if (v === undefined || v === null || v === false) return ''
  return esc(v)
}
