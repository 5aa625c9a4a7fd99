/**
 * The replay benchmark's input: capture lines (serve --capture's format, one
 * HAR request per line) of small JSON requests, written as a stream so a
 * file of any size costs no memory to make. test/bench/replay-workload.test.ts
 * replays a small one and checks every request is compared.
 */
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

/**
 * The i-th captured request: GETs of a few routes with ids and a query,
 * every fifth a POST with a small JSON body (replayed with --allow-unsafe).
 */
export function captureLine (i, startMs = Date.parse('2026-06-01T10:00:00Z')) {
  const post = i % 5 === 4
  const path = post ? '/api/orders' : i % 5 < 2 ? `/api/orders/${i % 1000}?expand=items` : `/api/users/${i % 500}`
  const record = {
    startedDateTime: new Date(startMs + i).toISOString(),
    method: post ? 'POST' : 'GET',
    url: `http://shop.example${path}`,
    httpVersion: 'HTTP/1.1',
    cookies: [],
    headers: [
      { name: 'host', value: 'shop.example' },
      { name: 'user-agent', value: 'bench/1.0' },
      { name: 'accept', value: 'application/json' },
      { name: 'authorization', value: '[REDACTED]' },
      ...(post ? [{ name: 'content-type', value: 'application/json' }] : [])
    ],
    queryString: [],
    headersSize: -1,
    bodySize: 0
  }
  if (post) {
    const text = JSON.stringify({ sku: `SKU-${1000 + (i % 97)}`, qty: 1 + (i % 3), note: 'bench order' })
    record.postData = { mimeType: 'application/json', text }
    record.bodySize = text.length
  }
  return JSON.stringify(record)
}

/** Writes `count` capture lines to `file`, with backpressure; resolves to the file's size in bytes. */
export async function writeCapture (file, count) {
  const out = createWriteStream(file)
  let bytes = 0
  for (let i = 0; i < count; i++) {
    const line = captureLine(i) + '\n'
    bytes += Buffer.byteLength(line)
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return bytes
}
