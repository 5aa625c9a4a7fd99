/**
 * Bounds the `route` label of the metrics. Routes are already folded (rules
 * name them, deriveRoute folds ids), but an API with unbounded paths that no
 * rule covers could still mint a series per path and take Prometheus down:
 * the first `max` distinct routes keep their name, later ones share `other`.
 */

/** The label every route beyond the cap shares. */
export const OTHER_ROUTE = 'other'

export class RouteLabels {
  #max: number
  #known = new Set<string>()

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`metrics maxRoutes must be a positive integer, got ${String(max)}`)
    this.#max = max
  }

  /** The label value for `route`: itself while there is room, else `other`. */
  label(route: string): string {
    if (this.#known.has(route)) return route
    if (this.#known.size >= this.#max) return OTHER_ROUTE
    this.#known.add(route)
    return route
  }
}
