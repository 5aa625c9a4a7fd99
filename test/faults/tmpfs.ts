/**
 * Small file systems for disk faults: a size-limited or read-only tmpfs,
 * mounted for one test and unmounted after it. Needs root (CAP_SYS_ADMIN);
 * `mountTmpfs` returns null where that is not available so the caller can
 * skip with a reason instead of failing.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'

/** Why tmpfs mounts are unavailable here, or null when they work. */
export const tmpfsUnavailable: string | null = probe()

function probe(): string | null {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux, this is ${process.platform}`
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root'
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-tmpfs-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' })
    execFileSync('umount', [dir], { stdio: 'pipe' })
    return null
  } catch (err) {
    return `mount -t tmpfs failed: ${(err as Error).message.split('\n')[0]}`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Mounts a tmpfs of `sizeKb` KiB (read-only with `readonly`), unmounted when the test finishes. */
export function mountTmpfs(sizeKb: number, opts: { readonly?: boolean } = {}): string {
  if (tmpfsUnavailable !== null) throw new Error(tmpfsUnavailable)
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-tmpfs-'))
  const options = [`size=${sizeKb}k`, ...(opts.readonly ? ['ro'] : [])].join(',')
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' })
  onTestFinished(() => {
    // Lazy: a database handle still open elsewhere must not make cleanup fail.
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}
