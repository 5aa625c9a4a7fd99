/**
 * A real nginx for gateway tests: found on PATH or in /usr/sbin, started in
 * the foreground with a generated config in a temporary prefix, one worker,
 * on a free loopback port, and stopped when the test finishes.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { delimiter, join } from 'node:path'
import { onTestFinished } from 'vitest'
import { ROOT } from '../helpers/cli.js'

/** The nginx binary, or null when it is not installed. */
export function findNginx(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin']
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'nginx'))) return join(dir, 'nginx')
  }
  return null
}

/** A loopback port that was free a moment ago (bound to 0, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

/**
 * The nginx block of docs/gateways.md marked "tested by", with its example
 * addresses swapped for loopback ones: the test runs what the docs show.
 */
export function documentedNginxConfig(addresses: { listen: number; primary: string; shadowdiff: string }): string {
  const doc = readFileSync(join(ROOT, 'docs/gateways.md'), 'utf8')
  const block = /```nginx\n(# [^\n]*tested by test\/receiver\/nginx-mirror\.test\.ts\n[\s\S]*?)```/.exec(doc)
  if (!block) throw new Error('docs/gateways.md: no ```nginx block marked "tested by test/receiver/nginx-mirror.test.ts"')
  let conf = block[1]
  const swaps: [string, string][] = [
    ['listen 80;', `listen 127.0.0.1:${addresses.listen};`],
    ['server 10.0.0.10:8080;', `server ${addresses.primary};`],
    ['server 10.0.0.20:9000;', `server ${addresses.shadowdiff};`],
  ]
  for (const [from, to] of swaps) {
    if (!conf.includes(from)) throw new Error(`docs/gateways.md nginx block: expected '${from}' to swap for a test address`)
    conf = conf.replace(from, to)
  }
  return conf
}

/** Starts nginx with `httpBlock` inside `http { }`; resolves once it accepts connections. */
export async function startNginx(binary: string, dir: string, port: number, httpBlock: string): Promise<void> {
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { recursive: true })
  // As root, nginx would switch its worker to `nobody`, who cannot write the temporary prefix.
  const user = process.getuid?.() === 0 ? 'user root;\n' : ''
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${user}worker_processes 1;
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${httpBlock}
}
`,
  )
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c) => (stderr += c))
  const exited = once(child, 'exit')
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    await exited
  })
  const log = () => `${stderr}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${log()}`)
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (up) return
    if (Date.now() > deadline) throw new Error(`nginx did not listen on 127.0.0.1:${port} within 10 s:\n${log()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
