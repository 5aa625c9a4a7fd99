/**
 * The mirror thread's script (see thread-transport.ts): takes call batches
 * from the proxy's loop, sends them with a LocalTransport, and posts the
 * results back once per event-loop turn.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Side, SideResult } from '../types.js'
import { LocalTransport } from './local-transport.js'
import type { TransportOptions } from './mirror-transport.js'
import { CALL_FIELDS, type ControlMessage, type ResultBatch } from './thread-protocol.js'

if (parentPort === null) throw new Error('mirror-thread.js runs only as a worker thread (see thread-transport.ts)')
const port = parentPort
const transport = new LocalTransport(workerData as TransportOptions)

let results: ResultBatch = []
let flushScheduled = false

function flush(): void {
  flushScheduled = false
  if (results.length === 0) return
  const batch = results
  results = []
  port.postMessage(batch)
}

function resultOf(id: number): (result: SideResult) => void {
  return (result) => {
    results.push(id, result)
    if (!flushScheduled) {
      flushScheduled = true
      setImmediate(flush)
    }
  }
}

port.on('message', (msg: unknown[] | ControlMessage) => {
  if (Array.isArray(msg)) {
    for (let i = 0; i < msg.length; i += CALL_FIELDS) {
      const body = msg[i + 5] as Uint8Array | null
      transport.send(
        {
          side: msg[i + 1] as Side,
          method: msg[i + 2] as string,
          path: msg[i + 3] as string,
          headers: msg[i + 4] as string[],
          body: body === null ? null : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        },
        resultOf(msg[i] as number),
      )
    }
    return
  }
  const stop = msg.type === 'destroy' ? transport.destroy() : transport.close()
  // Results of the last calls go out before the thread ends.
  void stop.finally(() => {
    flush()
    port.close()
  })
})
