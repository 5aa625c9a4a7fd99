/**
 * `shadowdiff compare`: receiver mode, behind a gateway that already mirrors
 * traffic. Same flags, config, bounds, rules, store and admin API as `serve`;
 * only the client-facing side differs (see src/proxy/receiver-server.ts).
 * Listens until SIGTERM/SIGINT, then stops as `serve` does.
 */
import { runUntilSignal } from './run-until-signal.js'
import { openStore } from '../store/open-store.js'
import { buildApp } from '../app.js'
import { DEFAULTS } from '../config.js'
import { parseCommandFlags, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { renderUsage } from './flag-usage.js'
import { SERVE_FLAGS, SERVING_ONLY_FLAGS, configFromFlags } from './serve-options.js'

// Where the receiver's meaning differs from serve's.
const RECEIVER_HELP: Partial<Record<keyof typeof SERVE_FLAGS, string>> = {
  primary: 'production replica (or production, read-only)',
  candidate: 'refactored upstream, compared with the primary',
  host: 'address the gateway mirrors to',
  port: 'port the gateway mirrors to',
}

// The serving-side flags mean nothing without clients: the gateway serves them.
const COMPARE_FLAGS: FlagSpec = Object.fromEntries(
  Object.entries(SERVE_FLAGS)
    .filter(([name]) => !(SERVING_ONLY_FLAGS as readonly string[]).includes(name))
    .map(([name, def]) => [name, { ...def, help: RECEIVER_HELP[name as keyof typeof SERVE_FLAGS] ?? def.help }]),
)

export const COMPARE_COMMAND: CommandSpec = {
  name: 'compare',
  synopsis: '--primary URL --candidate URL [options]',
  summary: "receiver mode: behind a gateway's mirror, answer 204, compare primary and candidate",
  description: `Receiver mode, behind a gateway that mirrors traffic (nginx mirror, Envoy,
Istio, APISIX, Traefik): the gateway serves its clients from production and
sends shadowdiff a copy of each request. shadowdiff answers the copy with 204
at once, then calls the primary and the candidate itself, compares both
answers and records the result, exactly as 'serve' does.

Read from each copy: Host (Envoy/Istio's '-shadow' suffix removed),
X-Original-URI (nginx: the client's URI), X-Request-Id (kept as the exchange
id). Only --mirror-methods are replayed (default ${DEFAULTS.mirror.methods.join(',')}): a POST
copy is answered and counted, never sent to the primary twice.
Gateway configurations: docs/gateways.md.`,
  flags: COMPARE_FLAGS,
}

/** `compare`'s usage text (tests and docs read it). */
export const COMPARE_USAGE = renderUsage(COMPARE_COMMAND, 100)

export async function compareCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, COMPARE_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const config = configFromFlags(values)
  const app = buildApp(config, { receiver: true, store: await openStore(config) })
  return runUntilSignal(app, { receiver: true })
}
