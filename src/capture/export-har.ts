/**
 * Writes records as a HAR 1.2 file, one entry at a time (a HAR is one JSON
 * document, but nothing here holds more than one entry). Each entry carries
 * the captured request unchanged and its startedDateTime; the capture has no
 * response, so the entry's response, cache and timings are the empty values
 * HAR 1.2 requires (status 0, HAR 1.2 §response; -1 for unknown sizes;
 * §timings: send, wait and receive are required, 0 here).
 */
import type { CaptureRecord } from './capture-record.js'

export const HAR_CREATOR = { name: 'shadowdiff', version: '0.1.0' }

/** The text before the first entry. */
export function harHead(): string {
  return `{"log":{"version":"1.2","creator":${JSON.stringify(HAR_CREATOR)},"pages":[],"entries":[\n`
}

/** One entry; `first` decides the comma before it. */
export function harEntry(record: CaptureRecord, first: boolean): string {
  const { startedDateTime, ...request } = record
  const entry = {
    startedDateTime,
    time: 0,
    request,
    response: { status: 0, statusText: '', httpVersion: '', cookies: [], headers: [], content: { size: 0, mimeType: '' }, redirectURL: '', headersSize: -1, bodySize: -1 },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
    comment: 'captured by shadowdiff: request only',
  }
  return `${first ? '' : ',\n'}${JSON.stringify(entry)}`
}

export function harTail(): string {
  return '\n]}}\n'
}
