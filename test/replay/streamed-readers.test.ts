/**
 * The streamed readers on their own: every split of the input into chunks
 * gives the same records (a HAR cut in the middle of a string, an escape,
 * a multi-byte character, a separator), the scanner is not fooled by
 * braces and keys inside strings, and bad records name their line.
 */
import { describe, expect, it } from 'vitest'
import { readHar } from '../../src/replay/read-har.js'
import { readNdjson } from '../../src/replay/read-ndjson.js'
import { readGor } from '../../src/replay/read-gor.js'
import type { ReadItem } from '../../src/replay/read-item.js'

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size)
}

async function all(items: AsyncIterable<ReadItem>): Promise<string[]> {
  const out: string[] = []
  for await (const item of items) {
    if (item.kind === 'record') out.push(`${item.where} ${item.parsed.record.method} ${item.parsed.record.url} ${item.parsed.body?.toString('utf8') ?? ''}`)
    else if (item.kind === 'skipped') out.push(`${item.where} skipped ${item.reason}`)
    else out.push(`${item.where} malformed ${item.problem}`)
  }
  return out
}

const request = (method: string, url: string, extra: object = {}) => ({ method, url, httpVersion: 'HTTP/1.1', cookies: [], headers: [{ name: 'x-note', value: 'a "quoted" {brace} [bracket] \\ back' }], queryString: [], headersSize: -1, bodySize: 0, ...extra })

const HAR = Buffer.from(
  JSON.stringify(
    {
      log: {
        version: '1.2',
        creator: { name: 'test', version: '1', comment: '"entries": [ {"request": 1} ]' },
        pages: [{ id: 'p', title: 'entries', entries: [{ request: request('GET', 'http://wrong/') }] }],
        entries: [
          { startedDateTime: '2024-06-01T10:00:00.000Z', request: request('GET', 'http://shop/ünïcödé?q=ü'), response: { content: { text: '}}]]"' } } },
          { startedDateTime: '2024-06-01T10:00:01.000Z', request: request('POST', 'http://shop/api', { postData: { mimeType: 'application/json', text: '{"a":"}"}' } }) },
          { startedDateTime: '2024-06-01T10:00:02.000Z', request: request('GET', 'data:text/plain,hello') },
          { startedDateTime: 'yesterday', request: request('GET', 'http://shop/bad-date') },
          { startedDateTime: '2024-06-01T10:00:03.000Z', request: request('PUT', 'http://shop/form', { postData: { mimeType: 'application/x-www-form-urlencoded', params: [{ name: 'a b', value: 'c&d' }] } }) },
        ],
      },
    },
    null,
    2,
  ),
)

describe('streamed readers', () => {
  it('HAR: the same entries whatever the chunk size; strings cannot fool the scanner', async () => {
    const expected = await all(readHar('t.har', chunked(HAR, HAR.length)))
    // An entry starts on the line of its '{', the one before its "startedDateTime" when pretty-printed.
    const text = HAR.toString('utf8')
    const line = (n: number) => {
      let at = -1
      for (let i = 0; i < n; i++) at = text.indexOf('"startedDateTime"', at + 1)
      return text.slice(0, at).split('\n').length - 1
    }
    expect(expected).toEqual([
      `t.har:${line(1)} GET http://shop/ünïcödé?q=ü `,
      `t.har:${line(2)} POST http://shop/api {"a":"}"}`,
      `t.har:${line(3)} skipped nonHttp`,
      `t.har:${line(4)} malformed entries[3]: startedDateTime: expected an ISO 8601 date, got "yesterday"`,
      `t.har:${line(5)} PUT http://shop/form a%20b=c%26d`,
    ])
    for (const size of [1, 2, 3, 7, 64, 1000]) expect(await all(readHar('t.har', chunked(HAR, size))), `chunks of ${size}`).toEqual(expected)
  })

  it('HAR: a file cut inside an entry reports it; a JSON file that is not a HAR is an error', async () => {
    const cut = HAR.subarray(0, HAR.indexOf('bad-date'))
    const items = await all(readHar('cut.har', chunked(cut, 100)))
    expect(items).toHaveLength(4)
    expect(items[3]).toMatch(/^cut\.har:\d+ malformed entries\[3\]: the file ends inside this entry \(cut short\?\)$/)
    await expect(all(readHar('x.har', chunked(Buffer.from('{"logs": {"entries": []}}'), 5)))).rejects.toThrow('Cannot read x.har: not a HAR file: no log.entries list found')
  })

  it('NDJSON: CRLF, a BOM and blank lines are fine; each bad line is named', async () => {
    const line = JSON.stringify({ startedDateTime: '2024-06-01T10:00:00.000Z', ...request('GET', 'http://shop/a') })
    const text = `\uFEFF${line}\r\n\r\n{"method":\r\n${line}\n${JSON.stringify({ ...request('GET', 'http://shop/b'), startedDateTime: 5 })}\n${line}`
    const data = Buffer.from(text)
    const expected = ['c:1 GET http://shop/a ', 'c:3 malformed not valid JSON: ', 'c:4 GET http://shop/a ', 'c:5 malformed startedDateTime: expected an ISO 8601 date, got 5', 'c:6 GET http://shop/a ']
    for (const size of [1, 5, data.length]) {
      const items = await all(readNdjson('c', chunked(data, size)))
      expect(items.map((s) => s.replace(/(not valid JSON: ).*/, '$1'))).toEqual(expected)
    }
  })

  it('gor: records split at any byte give the same requests; a cut record and a bad meta line are named', async () => {
    const sep = '\n🐵🙈🙉\n'
    const data = Buffer.from(
      `1 aa 1717236000000000000 0\nGET /a HTTP/1.1\r\nHost: shop\r\n\r\n${sep}` +
        `oops\nGET /b HTTP/1.1\r\n\r\n${sep}` +
        `1 cc 1717236000001000000 0\nPOST /c HTTP/1.1\r\nHost: shop\r\nContent-Length: 11\r\n\r\nhello\nworld${sep}` +
        `1 dd 1717236000002000000 0\nPOST /d HTTP/1.1\r\nHost: shop\r\nContent-Length: 50\r\n\r\nshort`,
    )
    const expected = [
      'g:1 GET http://shop/a ',
      "g:7 malformed meta line: expected '1 <id> <timestamp-ns> <latency>', got 'oops'",
      'g:12 POST http://shop/c hello\nworld',
      'g:20 malformed body has 5 bytes, Content-Length says 50 (cut short?)',
    ]
    for (const size of [1, 3, 17, data.length]) expect(await all(readGor('g', chunked(data, size))), `chunks of ${size}`).toEqual(expected)
  })
})
