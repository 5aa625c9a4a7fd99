/**
 * nginx as the anchor: a plain reverse proxy, and the same proxy with the
 * `mirror` module sending every request to the candidate. Each instance gets
 * a generated config in its own temp prefix and runs in the foreground
 * (`daemon off`) as a child process group we own.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startProcess } from './proc.js'

/**
 * The generated config. Settings chosen to match what the Node proxies get
 * for free, so the comparison is about the proxy and not its defaults:
 * - one worker, like one Node event loop;
 * - keepalive upstream pools (`keepalive 64` + HTTP/1.1 + empty Connection
 *   header), as undici pools its connections;
 * - `keepalive_requests` raised from nginx's 1000 (client side and upstream
 *   side) because Node servers never close a busy keep-alive connection, and
 *   reconnecting every 1000 requests would tax nginx alone;
 * - access_log off (the Node proxies run at log level warn).
 * The mirror location is nginx's documented pattern; nginx finishes the
 * client's request only when the mirror subrequest is done too, which is the
 * pitfall the 50 ms candidate case shows.
 */
export function nginxConfig ({ prefix, port, primaryPort, candidatePort }) {
  const mirror = candidatePort !== undefined
  return `worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${join(prefix, 'tmp', 'body')};
  proxy_temp_path ${join(prefix, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(prefix, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(prefix, 'tmp', 'scgi')};
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  upstream primary { server 127.0.0.1:${primaryPort}; keepalive 64; keepalive_requests 1000000; }
${mirror ? `  upstream candidate { server 127.0.0.1:${candidatePort}; keepalive 64; keepalive_requests 1000000; }\n` : ''}  server {
    listen 127.0.0.1:${port};
    location / {${mirror ? ' mirror /mirror;' : ''} proxy_pass http://primary; }
${mirror ? '    location = /mirror { internal; proxy_pass http://candidate$request_uri; }\n' : ''}  }
}
`
}

/**
 * Starts nginx with a generated config and waits until it answers.
 * @param {{ name: string, nginx: string, port: number, primaryPort: number, candidatePort?: number }} opts
 */
export async function startNginx ({ name, nginx, port, primaryPort, candidatePort }) {
  const prefix = mkdtempSync(join(tmpdir(), 'shadowdiff-bench-nginx-'))
  mkdirSync(join(prefix, 'tmp'))
  const conf = join(prefix, 'nginx.conf')
  writeFileSync(conf, nginxConfig({ prefix, port, primaryPort, candidatePort }))
  // -e: without it nginx opens /var/log/nginx/error.log before reading the config.
  const args = ['-c', conf, '-p', prefix, '-e', join(prefix, 'error.log'), '-g', 'daemon off;']
  const proc = await startProcess(name, nginx, args, { readyUrl: `http://127.0.0.1:${port}/`, scratch: prefix })
  proc.port = port
  proc.command = `nginx ${args.slice(0, -1).join(' ')} '${args.at(-1)}'`
  proc.configPath = conf
  return proc
}
