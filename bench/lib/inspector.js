/**
 * A CPU profile of another Node process over the Chrome DevTools Protocol:
 * the process runs with `--inspect=127.0.0.1:0`, and we start and stop the
 * V8 profiler around the measured load only. Unlike `--cpu-prof`, the
 * profile then holds no startup (module loading) or warm-up, and the process
 * does not need to exit cleanly for the profile to be written.
 */
import { WebSocket } from 'undici'
import { setTimeout as sleep } from 'node:timers/promises'

/** The `ws://…` URL a `--inspect` process printed on stderr. */
export async function inspectorUrl (proc, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const m = /Debugger listening on (ws:\/\/\S+)/.exec(proc.stderr)
    if (m) return m[1]
    if (Date.now() > deadline) throw new Error(`${proc.name} printed no inspector URL; was it started with --inspect?`)
    await sleep(50)
  }
}

/**
 * Connects to an inspector URL and returns `{ start, stop, close }`:
 * `stop()` resolves to the V8 CPU profile (the .cpuprofile JSON object).
 * @param {string} url
 * @param {{ samplingIntervalUs?: number }} [options]
 */
export async function connectProfiler (url, { samplingIntervalUs = 500 } = {}) {
  const ws = new WebSocket(url)
  const pending = new Map()
  let nextId = 1
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(event.data)
    const waiter = pending.get(msg.id)
    if (!waiter) return
    pending.delete(msg.id)
    if (msg.error) waiter.reject(new Error(`inspector: ${msg.error.message}`))
    else waiter.resolve(msg.result)
  })
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true })
    ws.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), { once: true })
  })
  const call = (method, params = {}) => new Promise((resolve, reject) => {
    const id = nextId++
    pending.set(id, { resolve, reject })
    ws.send(JSON.stringify({ id, method, params }))
  })
  await call('Profiler.enable')
  await call('Profiler.setSamplingInterval', { interval: samplingIntervalUs })
  return {
    start: () => call('Profiler.start'),
    stop: async () => (await call('Profiler.stop')).profile,
    close: () => ws.close()
  }
}
