/**
 * The one error code the split stage adds to src/errors.ts's registry. Bad
 * split input otherwise reuses `BadRequest` (admin API) and `ConfigInvalid`
 * (flags).
 */
import { defineError } from '../errors.js'

/** 409 from the admin API: e.g. `continue` while no promotion is paused, `start` while one runs. */
export const PromotionConflict = defineError('SHD_PROMOTION_CONFLICT', 'Conflict: %s', 409)
