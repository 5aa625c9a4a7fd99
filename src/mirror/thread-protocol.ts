/**
 * Messages between the proxy's loop and the mirror thread. Batches are flat
 * arrays (structured clone copies one array faster than many small objects):
 * a call batch is [id, side, method, path, headers, body] repeated, a result
 * batch is [id, SideResult] repeated.
 */
import type { SideResult } from '../types.js'

/** Values per call in a call batch. */
export const CALL_FIELDS = 6

export type ResultBatch = (number | SideResult)[]

/** close: finish calls in flight, then exit; destroy: end them now, then exit. */
export interface ControlMessage {
  type: 'close' | 'destroy'
}
