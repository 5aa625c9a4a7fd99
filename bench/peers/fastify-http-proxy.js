#!/usr/bin/env node
/**
 * The Node peer: @fastify/http-proxy passing everything through to the
 * primary, with its defaults (undici pool, 128 connections) and no logger, in
 * its own process like every other proxy in the benchmark.
 *
 *   node bench/peers/fastify-http-proxy.js --upstream http://127.0.0.1:P --port 0
 *
 * Prints `{"ready":true,"port":P,"pid":PID}` when listening.
 */
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import httpProxy from '@fastify/http-proxy'

const { values } = parseArgs({ options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } } })
if (!values.upstream) {
  process.stderr.write('fastify-http-proxy: --upstream URL is required\n')
  process.exit(2)
}

const app = Fastify({ logger: false })
await app.register(httpProxy, { upstream: values.upstream })
await app.listen({ port: Number(values.port), host: '127.0.0.1' })
process.stdout.write(JSON.stringify({ ready: true, port: app.server.address().port, pid: process.pid }) + '\n')
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => app.close().then(() => process.exit(0)))
