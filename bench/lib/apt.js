/**
 * Finds a Debian-packaged tool (nginx, wrk) and installs it with apt-get when
 * it is missing and we run as root; otherwise reports why it is unavailable
 * so the caller can skip its case with a printed note.
 */
import { spawnSync } from 'node:child_process'

/** Absolute path of `binary` on PATH (plus /usr/sbin), or undefined. */
export function which (binary) {
  const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`
  const r = spawnSync('sh', ['-c', `command -v ${binary}`], { env: { ...process.env, PATH }, encoding: 'utf8' })
  const path = r.stdout.trim()
  return r.status === 0 && path ? path : undefined
}

/**
 * Returns `{ path }` for `binary`, installing Debian package `pkg` first when
 * needed and allowed, or `{ skip: reason }`.
 */
export function ensureTool (binary, pkg = binary, { log = console.error } = {}) {
  let path = which(binary)
  if (path) return { path }
  if (process.getuid?.() !== 0) return { skip: `${binary} not found and not running as root; install it with \`apt-get install -y ${pkg}\`` }
  if (!which('apt-get')) return { skip: `${binary} not found and apt-get is not available` }
  log(`bench: installing ${pkg} with apt-get (missing) …`)
  // Another apt-get on a shared machine holds the dpkg lock: wait for it instead of failing.
  const args = ['install', '-y', '-q', '-o', 'DPkg::Lock::Timeout=300', pkg]
  let r = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  if (r.status !== 0) {
    // A fresh container has no package lists yet.
    spawnSync('apt-get', ['update', '-q', '-o', 'DPkg::Lock::Timeout=300'], { encoding: 'utf8' })
    r = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  }
  path = which(binary)
  if (path) return { path }
  return { skip: `apt-get install ${pkg} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}` }
}

/** First line of `<binary> <flag>` (stdout or stderr), for the results header. */
export function versionOf (path, flag = '-v') {
  // nginx -v prints to stderr; wrk -v exits 1 after printing.
  const r = spawnSync(path, [flag], { encoding: 'utf8' })
  return `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n')[0] || 'unknown'
}
