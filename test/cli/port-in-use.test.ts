import { describe, expect, it } from 'vitest'
import http from 'node:http'
import { once } from 'node:events'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/proxy.js'

describe('serve on a port that is taken', () => {
  it('exits 2 with one line naming the port, whether the proxy port or the admin port is taken (the proxy must not keep the process alive)', async () => {
    const taken = http.createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    onTestFinished(() => void taken.close())
    const port = String((taken.address() as AddressInfo).port)
    const dir = tempDir()
    const base = ['serve', '--primary', 'http://127.0.0.1:1', '--candidate', 'http://127.0.0.1:2', '--db', join(dir, 'x.db')]
    for (const [flag, other] of [['--port', '--admin-port'], ['--admin-port', '--port']]) {
      const r = await runCli([...base, flag, port, other, '0'], { timeoutMs: 15_000 })
      expect(r.code, `${flag} taken: ${r.stderr}`).toBe(2)
      // Only the error: no "shadowdiff stopped" record with zero counts before it (it never started).
      expect(r.stderr).toBe(`shadowdiff serve: EADDRINUSE: 127.0.0.1:${port}: the port is taken; choose another with --port/--admin-port\n`)
      expect(r.stdout).toBe('')
    }
  })
})
