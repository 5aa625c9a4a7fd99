/**
 * Lists every route of a fastify instance from `printRoutes()`, so tests that
 * must cover "every admin route" pick up routes added later on their own.
 */
import type { FastifyInstance } from 'fastify'

export interface AdminRoute {
  method: string
  /** A concrete URL: path parameters replaced by a sample value. */
  url: string
}

/**
 * Parses fastify's route tree, e.g.
 *   ├── /api/gate (GET, HEAD)
 *   │   └── /flagger (POST)
 * Each level is indented by four characters; a child's path continues its parent's.
 */
export function listRoutes(app: FastifyInstance): AdminRoute[] {
  const tree = app.printRoutes({ commonPrefix: false })
  const stack: string[] = []
  const routes: AdminRoute[] = []
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line)
    if (m === null) continue
    const depth = m[1].length / 4
    stack.length = depth
    const path = (stack[depth - 1] ?? '') + m[2]
    stack[depth] = path
    if (m[3] === undefined) continue
    const url = path.replace(/:[^/]+/g, 'sample').replace(/\*/g, 'sample')
    for (const method of m[3].split(',').map((s) => s.trim())) routes.push({ method, url })
  }
  return routes
}
