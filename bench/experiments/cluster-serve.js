#!/usr/bin/env node
/**
 * EXPERIMENT, not a product feature: `shadowdiff serve` in N node:cluster
 * workers sharing the proxy port, to measure what more than one event loop
 * would buy (`node bench/run.js --sd-workers N`).
 *
 * Each worker is a whole, independent shadowdiff: its own database file
 * (`x.db.w0`, `x.db.w1`, …), its own counters, and its own admin server on the
 * shared admin port (cluster hands each connection to any worker). So a mode
 * change or /api/status reaches one worker only. That is fine for a
 * throughput measurement and is exactly what a real `--workers` mode would
 * have to solve first.
 *
 *   SD_MAIN=/path/to/dist/cli/main.js SD_WORKERS=2 node bench/experiments/cluster-serve.js serve …
 */
import cluster from 'node:cluster'

const workers = Number(process.env.SD_WORKERS ?? 2)

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork({ SD_WORKER_ID: String(i) })
  const forward = (signal) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal)
  }
  process.on('SIGTERM', () => forward('SIGTERM'))
  process.on('SIGINT', () => forward('SIGINT'))
  let exited = 0
  cluster.on('exit', () => {
    if (++exited === workers) process.exit(0)
  })
} else {
  const argv = process.argv.slice(2)
  const db = argv.indexOf('--db')
  // One database per worker, as in fleet mode: never two writers on one file.
  if (db >= 0) argv[db + 1] = `${argv[db + 1]}.w${process.env.SD_WORKER_ID}`
  const { main } = await import(process.env.SD_MAIN)
  process.exitCode = (await main(argv)) ?? 0
}
