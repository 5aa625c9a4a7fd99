/**
 * What the numbers were measured on, for the header of bench/RESULTS.md:
 * results without the machine and versions cannot be compared.
 */
import { readFileSync } from 'node:fs'
import os from 'node:os'

/** CPU count, model, memory, kernel, load average and Node version. */
export function machineInfo () {
  let model = os.cpus()[0]?.model ?? 'unknown'
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m) model = m[1].trim()
  } catch { /* not Linux */ }
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    model,
    memGb: os.totalmem() / 2 ** 30,
    kernel: `${os.type()} ${os.release()}`,
    loadavg: os.loadavg().map((n) => n.toFixed(2)).join(' '),
    node: process.version
  }
}
