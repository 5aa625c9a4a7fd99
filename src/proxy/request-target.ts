/**
 * The request target a client sent, in the form the upstreams get. Clients
 * normally send origin-form (`/path?query`). A client configured to use us
 * as a forward proxy sends absolute-form (`http://host/path`); RFC 9112
 * §3.2.2 says to accept it, take the host from it and ignore Host, so it is
 * forwarded as origin-form with that Host. `*` (OPTIONS *, a question about
 * the server itself) and anything else have no upstream path: refused.
 */

export type RequestTarget =
  | { ok: true; url: string; host: string | null }
  | { ok: false; message: string }

export function requestTarget(raw: string): RequestTarget {
  if (raw.charCodeAt(0) === 0x2f /* '/' */) return { ok: true, url: raw, host: null }
  const scheme = /^https?:\/\//i.exec(raw)
  if (scheme !== null) {
    const rest = raw.slice(scheme[0].length)
    const end = rest.search(/[/?#]/)
    const host = end === -1 ? rest : rest.slice(0, end)
    const tail = end === -1 ? '' : rest.slice(end)
    if (host.length > 0 && !host.includes('@')) {
      const url = tail.startsWith('/') ? tail : `/${tail}`
      return { ok: true, url: url.split('#')[0], host }
    }
  }
  const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw
  const why = raw === '*' ? ' (OPTIONS * asks about the proxy itself, which has no upstream path)' : ''
  return { ok: false, message: `request target '${shown}' cannot be proxied${why}: expected a path starting with '/' or an absolute http(s) URL` }
}
