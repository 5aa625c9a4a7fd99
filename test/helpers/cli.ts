/** Runs the real CLI (bin/shadowdiff.js) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = fileURLToPath(new URL('../../bin/shadowdiff.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`shadowdiff ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 30_000} ms\n${stderr}`))
    }, opts.timeoutMs ?? 30_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Starts a long-running CLI command (serve); killed when the test finishes. */
export function spawnCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } })
  let output = ''
  child.stdout?.on('data', (c) => (output += c))
  child.stderr?.on('data', (c) => (output += c))
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  return Object.assign(child, { output: () => output })
}

/** Waits until the serve process logs that it listens, returns the two URLs. */
export async function waitListening(child: ReturnType<typeof spawnCli>, timeoutMs = 15_000): Promise<{ proxy: string; admin: string }> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    for (const line of child.output().split('\n')) {
      if (!line.includes('shadowdiff listening')) continue
      const entry = JSON.parse(line) as { proxy: string; admin: string }
      return { proxy: entry.proxy, admin: entry.admin }
    }
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${child.output()}`)
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`serve did not start: ${child.output()}`)
}
