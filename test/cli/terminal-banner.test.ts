/**
 * `serve` on a real terminal: util-linux `script` gives the process a pty
 * (stderr is a TTY), so the default log format is pretty: a startup banner,
 * a progress line while traffic flows (with the volatile-fields hint when no
 * rule is loaded), and a final tally after Ctrl-C, sent as the byte 0x03
 * through the pty like a keyboard would. With `--log-format json` on the
 * same terminal there is none of it: only JSON lines. Closing the terminal
 * (the pty hangs up: SIGHUP) stops serve instead of leaving it running
 * headless.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { tempDir } from '../helpers/proxy.js'
import { buildReport } from '../../src/report/build-report.js'
import { BIN, spawnCli, waitListening } from '../helpers/cli.js'

interface OnTerminal {
  output: () => string
  /** Ctrl-C on the terminal; resolves to the exit code once the process ended. */
  interrupt: () => Promise<number | null>
  /** Closes the terminal, as closing its window does (the pty hangs up); resolves to serve's pid. */
  hangUp: () => number
}

/** The processes `script` started on its pty. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function onTerminal(args: string[], cwd: string): OnTerminal {
  if (spawnSync('sh', ['-c', 'command -v script']).status !== 0) {
    throw new Error('`script` (util-linux, Debian package bsdutils) is missing: this test needs it to run serve on a pty.')
  }
  // `exec`: script runs the command through $SHELL -c, and a shell that stays
  // in between (dash does, when SHELL is unset or /bin/sh as on CI) is killed
  // by the Ctrl-C itself, so script would report 130 whatever serve did.
  const command = 'exec ' + [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  // -q: no "Script started" lines; -f: flush as written; -e: script exits with the command's status.
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SHELL: '/bin/sh' } })
  let output = ''
  child.stdout.on('data', (c) => (output += c))
  child.stderr.on('data', (c) => (output += c))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const hungUp: number[] = []
  onTestFinished(() => {
    // Not left running if a test failed half-way (killing `script` alone only hangs its terminal up).
    for (const pid of [...hungUp, ...(child.exitCode === null && child.pid !== undefined ? childrenOf(child.pid) : [])]) if (alive(pid)) process.kill(pid, 'SIGKILL')
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  return {
    output: () => output.replace(/\r\n/g, '\n'),
    interrupt: () => {
      child.stdin.write('\x03')
      return exited
    },
    hangUp: () => {
      const [serve] = childrenOf(child.pid!)
      hungUp.push(serve)
      child.kill('SIGKILL')
      return serve
    },
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('serve on a terminal', () => {
  it('prints a banner, progress with the rules-suggest hint, and a tally; json mode on the same terminal prints only JSON lines', async () => {
    // Every answer carries a fresh request id and time: all noise, and no rule loaded.
    // (The two sides' clocks are a few ms apart, as two hosts' would be: servedAt always differs.)
    const volatile = (skewMs: number) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) =>
      json(res, 200, { path: req.url, requestId: `${Math.random()}`.slice(2), servedAt: new Date(Date.now() + skewMs).toISOString() })
    const primary = await startUpstream(volatile(0))
    const candidate = await startUpstream(volatile(7))
    const dir = tempDir()
    const base = ['serve', '--primary', primary, '--candidate', candidate, '--port', '0', '--admin-port', '0']
    const pretty = onTerminal([...base, '--db', join(dir, 'pretty.db')], dir)
    const jsonMode = onTerminal([...base, '--db', join(dir, 'json.db'), '--log-format', 'json'], dir)

    await until('the banner', () => /Ctrl-C stops gracefully/.test(pretty.output()), 20_000, pretty.output)
    await until('the listening record', () => /"msg":"shadowdiff listening"/.test(jsonMode.output()), 20_000, jsonMode.output)
    const banner = pretty.output()
    expect(banner).toMatch(/^shadowdiff serve is running\n/)
    const proxy = /^ {2}clients +(http:\/\/127\.0\.0\.1:\d+) → primary (\S+)$/m.exec(banner)
    expect(proxy?.[2]).toBe(primary)
    expect(banner).toMatch(new RegExp(`^ {2}candidate +${candidate}: GET, HEAD, OPTIONS requests mirrored and compared`, 'm'))
    expect(banner).toMatch(/^ {2}admin +http:\/\/127\.0\.0\.1:\d+ {2}\(shadowdiff status --admin http:\/\/127\.0\.0\.1:\d+\)$/m)
    expect(banner).toMatch(new RegExp(`^ {2}database +${join(dir, 'pretty.db')}$`, 'm'))
    expect(banner).toMatch(/^ {2}rules +none: every difference counts/m)
    expect(banner).toMatch(/^ {2}mode +shadow: the primary serves every user/m)
    const jsonProxy = JSON.parse(jsonMode.output().split('\n').find((l) => l.includes('shadowdiff listening'))!) as { proxy: string }

    for (const url of [proxy![1], jsonProxy.proxy]) {
      for (let i = 0; i < 25; i++) await (await request(`${url}/api/items/${i}`)).body.dump()
    }
    const trafficDone = Date.now()
    // The first progress line comes within one interval (5 s) of the traffic.
    await until('a progress line', () => /served 25 /.test(pretty.output()), 15_000, pretty.output)
    // A full progress interval after the traffic: json mode would have printed one by now, if it printed any.
    await new Promise((r) => setTimeout(r, Math.max(0, trafficDone + 5_500 - Date.now())))
    const progress = pretty.output().split('\n').find((l) => /served 25 /.test(l))!
    expect(progress).toMatch(/^\d\d:\d\d:\d\d served 25 \([\d.]+\/s\) · compared 25 · divergent 25 \(100\.0%\) · dropped 0 · differences look like ids\/timestamps: try 'shadowdiff rules suggest'$/)
    expect(pretty.output()).toContain(`  hint: The most frequent differences (/requestId, /servedAt) look like ids or timestamps, and no rule matched these exchanges`)
    expect(pretty.output()).toContain(`'shadowdiff rules suggest --db ${join(dir, 'pretty.db')}' proposes rules for them, with the evidence, in reports/suggested-rules.yaml`)
    expect(pretty.output()).not.toMatch(/^\{"level"/m)

    const [prettyCode, jsonCode] = await Promise.all([pretty.interrupt(), jsonMode.interrupt()])
    expect(prettyCode).toBe(0)
    expect(jsonCode).toBe(0)
    expect(pretty.output()).toMatch(/\nshadowdiff stopped after \d+s: served 25, compared 25, divergent 25 \(100\.0%\), dropped 0, skipped 0, not mirrored 0\n/)
    expect(pretty.output()).toContain(`  next: shadowdiff report --db ${join(dir, 'pretty.db')} --format html`)

    // json on a terminal: JSON records only (the terminal echoes the ^C itself), no banner, progress or tally.
    const lines = jsonMode.output().split('\n').map((l) => l.replace(/^\^C/, '')).filter(Boolean)
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg)
    expect(messages[0]).toBe('shadowdiff listening')
    expect(messages.at(-1)).toBe('shadowdiff stopped')
    expect(jsonMode.output()).not.toMatch(/is running|served 25 \(|hint:|stopped after/)
    const stopped = JSON.parse(lines.at(-1)!) as { served: number; compared: number }
    expect(stopped).toMatchObject({ served: 25, compared: 25 })
  })

  it.each(['pretty', 'json'])('closing the terminal (%s) stops serve gracefully: it exits, and every comparison is written', async (format) => {
    const ok = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => json(res, 200, { url: req.url })
    const dir = tempDir()
    const db = join(dir, 'x.db')
    const term = onTerminal(['serve', '--primary', await startUpstream(ok), '--candidate', await startUpstream(ok), '--port', '0', '--admin-port', '0', '--db', db, '--log-format', format], dir)
    await until('the start', () => /is running|shadowdiff listening/.test(term.output()), 20_000, term.output)
    const url = format === 'pretty' ? /clients +(http:\/\/\S+)/.exec(term.output())![1] : (JSON.parse(term.output().split('\n').find((l) => l.includes('listening'))!) as { proxy: string }).proxy
    for (let i = 0; i < 10; i++) await (await request(`${url}/x/${i}`)).body.dump()
    const serve = term.hangUp()
    expect(alive(serve)).toBe(true)
    await until('serve to exit', () => !alive(serve), 15_000, term.output)
    expect(buildReport([db]).totals).toMatchObject({ served: 10, compared: 10 })
  })

  it('off a terminal (a pipe), the default is json', async () => {
    const ok = (_req: unknown, res: import('node:http').ServerResponse) => json(res, 200, {})
    const dir = tempDir()
    const child = spawnCli(['serve', '--primary', await startUpstream(ok), '--candidate', await startUpstream(ok), '--port', '0', '--admin-port', '0', '--db', join(dir, 'x.db')], { cwd: dir })
    await waitListening(child)
    expect(child.output()).toMatch(/^\{"level":30,.*"msg":"shadowdiff listening"\}\n/)
    expect(child.output()).not.toContain('is running')
  })
})
