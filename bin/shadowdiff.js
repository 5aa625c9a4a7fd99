#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the prepare script).
import { main } from '../dist/cli/main.js'

let settled = false
// A command whose promise never settles (it awaited something nothing will
// resolve) lets Node exit with 0 once the event loop is empty: for a gate or a
// replay in CI that would read as a pass. Say so and fail instead.
process.on('beforeExit', () => {
  if (settled) return
  settled = true
  console.error('shadowdiff: internal error: the command stopped before it finished (nothing left to wait for); exit 1')
  process.exitCode = 1
})

main(process.argv.slice(2)).then(
  (code) => { settled = true; if (typeof code === 'number') process.exitCode = code },
  (err) => { settled = true; console.error(err?.stack ?? String(err)); process.exitCode = 1 }
)
