/**
 * `shadowdiff compare`: receiver mode, behind a gateway that already mirrors
 * traffic. Same flags, config, bounds, rules, store and admin API as `serve`;
 * only the client-facing side differs (see src/proxy/receiver-server.ts).
 * Listens until SIGTERM/SIGINT, then stops as `serve` does.
 */
import { runUntilSignal } from './run-until-signal.js'
import { buildApp } from '../app.js'
import { parseCommandFlags } from './parse-flags.js'
import { SERVE_FLAGS, SERVE_USAGE, configFromFlags } from './serve-options.js'

// Where the receiver's meaning differs from serve's, aligned with SERVE_USAGE's columns.
const RECEIVER_TEXT: Record<string, string> = {
  '--primary': `${'production replica (or production, read-only)'.padEnd(51)}required`,
  '--candidate': `${'refactored upstream, compared with the primary'.padEnd(51)}required`,
  '--host': `${'address the gateway mirrors to'.padEnd(35)}(default 127.0.0.1)`,
  '--port': `${'port the gateway mirrors to'.padEnd(35)}(default 8080)`,
}

const OPTIONS = SERVE_USAGE.slice(SERVE_USAGE.indexOf('\n\n') + 2)
  .split('\n')
  // The serving-side flags mean nothing without clients: the gateway serves them.
  .filter((line) => !/^ {2}--(sticky-header|sticky-cookie|route-override-header|served-by-header) /.test(line))
  .map((line) => {
    const flag = /^ {2}(--primary|--candidate|--host|--port) /.exec(line)?.[1]
    return flag === undefined ? line : line.slice(0, 27) + RECEIVER_TEXT[flag]
  })
  .join('\n')

export const COMPARE_USAGE = `Usage: shadowdiff compare --primary URL --candidate URL [options]

Receiver mode, behind a gateway that mirrors traffic (nginx mirror, Envoy,
Istio, APISIX, Traefik): the gateway serves its clients from production and
sends shadowdiff a copy of each request. shadowdiff answers the copy with 204
at once, then calls the primary and the candidate itself, compares both
answers and records the result, exactly as 'serve' does.

Read from each copy: Host (Envoy/Istio's '-shadow' suffix removed),
X-Original-URI (nginx: the client's URI), X-Request-Id (kept as the exchange
id). Only --mirror-methods are replayed (default GET,HEAD,OPTIONS): a POST
copy is answered and counted, never sent to the primary twice.
Gateway configurations: docs/gateways.md.

${OPTIONS}`

export async function compareCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, SERVE_FLAGS, COMPARE_USAGE)
  if (parsed === undefined) return 0
  const { values } = parsed
  const app = buildApp(configFromFlags(values), { receiver: true })
  return runUntilSignal(app)
}
