/**
 * Workloads for bench/diff.js, shared with test/diff/bench-workloads.test.ts
 * so that every benchmarked pair is also asserted correct.
 *
 * A pair is a primary and a candidate JSON document of about 1, 10 or 100 KB
 * with a handful of differences: two the rules hide (request id, one trace id
 * deep inside), one within a tolerance, one reordered tag list, and one real
 * change (an item's name) that must survive the rules.
 */

/** Ten rules, all matching GET /api/items: the "10 active rules" of the issue. */
export const RULES_YAML = `rules:
  - name: request id
    ignore: { body: [/requestId] }
  - name: generated at
    ignore: { body: [/meta/generatedAt] }
  - name: trace ids
    ignore: { body: ["/**/traceId"] }
  - name: item timestamps
    ignore: { body: [/items/*/updatedAt] }
  - name: items by id
    keyed: { /items: id }
  - name: tags unordered
    unordered: [/items/*/tags]
  - name: prices
    tolerance: { /items/*/price: { abs: 0.01 } }
  - name: headers
    ignore: { headers: [x-request-id, etag] }
  - name: text
    text: { trim: true }
  - name: items route
    route: items
    match: { method: GET, path: /api/items }
`

/** Builds { primary, candidate } documents of roughly `kb` kilobytes. */
export function makePair(kb) {
  const item = (i) => ({
    id: i,
    name: `item number ${i}`,
    price: Math.round(i * 137.31) / 100,
    tags: ['alpha', 'beta', 'gamma'],
    updatedAt: '2024-05-01T10:00:00.000Z',
    owner: { id: 1000 + i, login: `user${i}`, traceId: `t-${i}` },
  })
  // One item serialises to ~190 bytes.
  const n = Math.max(1, Math.round((kb * 1024 - 120) / 190))
  const primary = {
    requestId: 'req-1',
    meta: { generatedAt: '2024-05-01T10:00:00Z', count: n },
    items: Array.from({ length: n }, (_, i) => item(i)),
  }
  const candidate = structuredClone(primary)
  const mid = Math.floor(n / 2)
  candidate.requestId = 'req-2'
  candidate.items[mid].owner.traceId = 'other'
  candidate.items[mid].price += 0.001
  candidate.items[0].tags = ['gamma', 'alpha', 'beta']
  candidate.items[n - 1].name = 'renamed'
  return { primary, candidate }
}

/** The one difference that must survive the rules for makePair(kb). */
export function expectedOps(kb) {
  const { candidate } = makePair(kb)
  const last = candidate.items.length - 1
  return [{ op: 'replace', path: `/items/${last}/name`, value: 'renamed' }]
}
