/**
 * The error codes the split stage adds to src/errors.ts's registry. Bad
 * split input otherwise reuses `BadRequest` (admin API) and `ConfigInvalid`
 * (flags).
 */
import { defineError } from '../errors.js'

/** 409 from the admin API: e.g. `continue` while no promotion is paused, `start` while one runs. */
export const PromotionConflict = defineError('SHD_PROMOTION_CONFLICT', 'Conflict: %s', 409)

/**
 * 503 from the admin API: a fleet's traffic or promotion change could not be
 * written to the shared database (unreachable, or no instance drives), so it
 * was applied nowhere rather than on one instance only.
 */
export const ControlUnavailable = defineError('SHD_CONTROL_UNAVAILABLE', 'Service Unavailable: %s', 503)
