/**
 * The README's Install section, as a fresh machine would run it: `npm pack`
 * the checkout, `npm install --global ./shadowdiff-*.tgz` into a temporary
 * prefix, then `shadowdiff --help` and the demo from that install (the demo
 * opens SQLite, so the native addon must be there too).
 *
 * What a fresh machine fetches is taken from here instead, so the test needs
 * no network beyond the npm registry and usually none at all:
 * - dependencies come from npm's cache (`--prefer-offline`; `npm ci` filled
 *   it), the registry only for what is missing;
 * - install scripts are skipped (`--ignore-scripts`): better-sqlite3's would
 *   download a prebuilt addon from GitHub or compile SQLite. The addon this
 *   checkout already built is copied in instead, for the same version.
 * dist/ is the one test/global-setup.ts built (`npm pack --ignore-scripts`
 * skips the prepare build, which `npm pack` runs on a real machine).
 */
import { describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from '../helpers/cli.js'
import { tempDir } from '../helpers/proxy.js'

const run = promisify(execFile)

/** The environment without npm's own variables (an `npm test` run sets npm_config_prefix and others). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)))
}

const version = (pkgDir: string) => (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version

describe('install from a packed checkout', () => {
  it('npm pack, npm install --global ./shadowdiff-*.tgz into a prefix, then shadowdiff --help and the demo run from it', { timeout: 180_000 }, async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const install = readme.slice(readme.indexOf('## Install'), readme.indexOf('## Quick start'))
    for (const line of ['npm ci', 'npm pack', 'npm install --global ./shadowdiff-*.tgz', 'shadowdiff --help']) expect(install).toContain(line)

    const dir = tempDir('shadowdiff-install-')
    const env = cleanEnv()
    const npm = (args: string[], cwd: string) => run('npm', args, { cwd, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })

    const packed = await npm(['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], ROOT)
    const [{ filename, files }] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[]
    expect(filename).toMatch(/^shadowdiff-\d+\.\d+\.\d+\.tgz$/)
    const paths = files.map((f) => f.path)
    for (const p of ['bin/shadowdiff.js', 'dist/cli/main.js', 'package.json', 'README.md']) expect(paths).toContain(p)
    expect(paths.some((p) => p.startsWith('src/') || p.startsWith('test/'))).toBe(false)

    const prefix = join(dir, 'prefix')
    await npm(['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', `./${filename}`], dir)
    const installed = join(prefix, 'lib', 'node_modules', 'shadowdiff')
    const bin = join(prefix, 'bin', 'shadowdiff')
    expect(existsSync(bin)).toBe(true)

    // The native addon, as better-sqlite3's install script would have provided it.
    const local = join(ROOT, 'node_modules', 'better-sqlite3')
    let sqlite = join(installed, 'node_modules', 'better-sqlite3')
    if (!existsSync(sqlite)) sqlite = join(prefix, 'lib', 'node_modules', 'better-sqlite3')
    if (version(sqlite) !== version(local)) {
      await npm(['install', '--prefix', installed, '--no-save', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', `better-sqlite3@${version(local)}`], installed)
    }
    expect(version(sqlite)).toBe(version(local))
    const addon = join(sqlite, 'build', 'Release', 'better_sqlite3.node')
    mkdirSync(dirname(addon), { recursive: true })
    copyFileSync(join(local, 'build', 'Release', 'better_sqlite3.node'), addon)

    // From the installed copy, in a folder that is not the checkout: nothing resolves back into it.
    const PATH = `${join(prefix, 'bin')}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`
    const help = await run(bin, ['--help'], { cwd: dir, env: { ...env, PATH }, timeout: 30_000 })
    expect(help.stdout).toMatch(/^Usage: shadowdiff <command> \[options\]\n/)
    expect(help.stdout).toContain('  serve ')
    const versionOut = await run(bin, ['--version'], { cwd: dir, env: { ...env, PATH }, timeout: 30_000 })
    expect(versionOut.stdout.trim()).toBe(version(ROOT))

    const demo = await run(bin, ['demo', '--requests', '40', '--out', join(dir, 'demo')], { cwd: dir, env: { ...env, PATH }, timeout: 60_000 })
    expect(demo.stdout).toMatch(/served 40, compared 40, divergent \d+/)
    expect(existsSync(join(dir, 'demo', 'demo.db'))).toBe(true)
  })
})
