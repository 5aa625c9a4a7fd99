import { describe, expect, it } from 'vitest'
import { startRawUpstream } from '../helpers/upstream.js'
import { runCandidateFault, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

// Each answer breaks HTTP/1.1 framing in a different way (RFC 9112).
const GARBAGE: Record<string, string> = {
  'not HTTP at all': 'SSH-2.0-OpenSSH_9.6\r\n\r\n',
  'bad status line': 'HTTP/1.1 TWO HUNDRED OK\r\nContent-Length: 0\r\n\r\n',
  'header without colon': 'HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nok',
  'both Content-Length and Transfer-Encoding': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  'two different Content-Length': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!',
  'bad chunk size': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nok\r\n0\r\n\r\n',
  'headers above 16 KiB': `HTTP/1.1 200 OK\r\nX-Huge: ${'h'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\nok`,
}

describe('candidate answers with malformed HTTP', () => {
  for (const [name, answer] of Object.entries(GARBAGE)) {
    it(`${name}: primary bytes served, error divergence recorded`, async () => {
      const candidate = await startRawUpstream((socket) => socket.once('data', () => socket.end(answer)))
      const { app, rows, n } = await runCandidateFault({ candidate, requests: 3 })
      expect(app.stats.compared).toBe(n)
      expect(app.stats.candidateErrors).toBe(n)
      expect(rows).toHaveLength(n)
      for (const row of rows) expect(row.divergences).toEqual([expect.objectContaining({ kind: 'error', code: 'BAD_RESPONSE' })])
    })
  }
})
