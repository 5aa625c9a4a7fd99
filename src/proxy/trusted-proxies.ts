/**
 * Which peers may speak for the client: `proxy.trustedProxies` (flag
 * `--trusted-proxy CIDR`, repeatable). Only when the address that connected
 * to shadowdiff is in one of these ranges does the proxy keep the client's
 * `X-Forwarded-*`, `Forwarded` and `X-Real-IP`; from anyone else they are
 * replaced by what the proxy saw itself (src/proxy/forward-headers.ts). This
 * is Express's `trust proxy` with a list of addresses: trust is decided by the
 * peer's address, never by what the request says.
 *
 * Matching is node:net's BlockList, which compares IPv4-mapped IPv6 peers
 * (`::ffff:10.0.0.7`, what a server bound to `::` sees) with IPv4 ranges and
 * the other way round.
 */
import net from 'node:net'

/** Decides from a peer address whether its forwarding headers are kept. */
export type TrustPeer = (address: string | undefined) => boolean

const TRUST_NOBODY: TrustPeer = () => false

/**
 * Why `text` is not an address or a CIDR range, or null when it is one.
 *
 * @example
 *   cidrProblem('10.0.0.0/8')   // null
 *   cidrProblem('fd00::/8')     // null
 *   cidrProblem('10.0.0.0/33')  // 'the prefix length of an IPv4 range must be 0–32, got 33'
 */
export function cidrProblem(text: string): string | null {
  const slash = text.indexOf('/')
  const address = slash === -1 ? text : text.slice(0, slash)
  const family = net.isIP(address)
  if (family === 0) return `expected an IPv4 or IPv6 address or CIDR range such as 10.0.0.0/8 or fd00::/8, got '${text}'`
  if (slash === -1) return null
  const prefix = text.slice(slash + 1)
  const max = family === 4 ? 32 : 128
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `the prefix length of an IPv${family} range must be 0–${max}, got '${prefix}'`
  return null
}

/** Compiles a validated list of addresses and ranges (config.proxy.trustedProxies). */
export function compileTrustedProxies(list: readonly string[]): TrustPeer {
  if (list.length === 0) return TRUST_NOBODY
  const ranges = new net.BlockList()
  for (const entry of list) {
    const [address, prefix] = entry.split('/')
    const type = net.isIPv4(address) ? 'ipv4' : 'ipv6'
    if (prefix === undefined) ranges.addAddress(address, type)
    else ranges.addSubnet(address, Number(prefix), type)
  }
  return (address) => {
    if (address === undefined) return false
    const family = net.isIP(address)
    return family !== 0 && ranges.check(address, family === 4 ? 'ipv4' : 'ipv6')
  }
}
