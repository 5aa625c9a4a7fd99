/**
 * The policy used when no rule matches: compare status, the media type of
 * content-type and the body; ignore nothing.
 */
import type { ComparePolicy } from './policy.js'

/** Compares status, content-type's media type and the whole body, ignoring nothing. */
export const DEFAULT_POLICY: ComparePolicy = Object.freeze({
  ignoreHeaders: new Set<string>(),
  compareHeaders: 'media-type',
  ignoreBody: [],
  formatHeaders: new Set<string>(),
  formatBody: [],
  unordered: [],
  keyed: [],
  tolerance: [],
  text: Object.freeze({ replace: [], trim: false, collapseWhitespace: false }),
  ignoreQuery: new Set<string>(),
})
