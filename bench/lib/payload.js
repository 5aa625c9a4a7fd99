/**
 * The benchmark's response bodies. The primary and the identical candidate
 * serve `PAYLOAD`; the differing candidate serves `PAYLOAD_DIFFERENT`, the
 * same document with one field changed, so every comparison records exactly
 * one body divergence (a single JSON-patch `replace`).
 */

const doc = {
  id: 'ord_4f1c2b9e',
  status: 'confirmed',
  currency: 'EUR',
  total: 129.9,
  customer: { id: 'cus_81a7', name: 'Ada Lovelace', email: 'ada@example.test', tier: 'gold' },
  items: [
    { sku: 'SKU-1001', name: 'Analytical engine gear', qty: 2, price: 24.95 },
    { sku: 'SKU-1002', name: 'Punched card, blank', qty: 40, price: 0.5 },
    { sku: 'SKU-1003', name: 'Brass crank handle', qty: 1, price: 60 }
  ],
  shipping: { method: 'standard', address: '12 St James Square, London', eta: '2024-05-03' },
  createdAt: '2024-04-30T09:12:44.120Z',
  updatedAt: '2024-04-30T09:13:02.981Z',
  version: 7
}

/** The primary's 0.5 KB JSON body. */
export const PAYLOAD = Buffer.from(JSON.stringify(doc))

/** The same body with one field (`status`) changed; same length on purpose. */
export const PAYLOAD_DIFFERENT = Buffer.from(JSON.stringify({ ...doc, status: 'cancelled' }))
