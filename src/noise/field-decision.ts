/**
 * The decision for one field of one endpoint, over every exchange of a
 * report: divergent, noise, or not enough data to accept the noise.
 *
 * Per exchange, the noise stage already separated differences that are
 * shaped like the noise (noise count) from those that are not (divergent
 * count). This judges the noise-shaped ones as a whole: if the candidate
 * differs there significantly MORE OFTEN than the primary differs from the
 * secondary, it is not noise. The test is a one-sided Fisher exact test
 * (fisher-test.ts) of
 *
 *   H0: p(candidate differs) ≤ p(secondary differs)
 *
 * with x1 = noise count of n1 = compared exchanges and x2 = exchanges where
 * primary and secondary differed of n2 = exchanges with a secondary answer.
 * H0 is rejected — the field is divergent — when p < 1 − confidence.
 * With fewer than minSamples secondary answers the noise is not accepted
 * (`insufficient-data`): no evidence is not a pass.
 */
import { fisherGreater } from './fisher-test.js'
import type { NoiseOptions } from './noise-options.js'

export type FieldDecision = 'divergent' | 'noise' | 'insufficient-data'

/** The counts behind one field's decision. */
export interface FieldEvidence {
  /** Exchanges where the field differed in a way no noise explains. */
  divergent: number
  /** Exchanges where the candidate differed there in a noise-shaped way. */
  noise: number
  /** Exchanges compared on the endpoint. */
  compared: number
  /** Exchanges where primary and secondary differed there (learned). */
  noiseObserved: number
  /** Exchanges on the endpoint whose secondary answered (learned). */
  noiseSamples: number
}

export interface FieldJudgement {
  decision: FieldDecision
  /** p-value of the noise test, when it ran. */
  pValue?: number
  /** False when the noise count must count as divergent (test rejected, or too few samples). */
  noiseAccepted: boolean
}

/**
 * @example
 *   decideField({ divergent: 0, noise: 400, compared: 400, noiseObserved: 398, noiseSamples: 400 }, { confidence: 0.99, minSamples: 30 })
 *   // { decision: 'noise', pValue: 0.25, noiseAccepted: true }
 */
export function decideField(e: FieldEvidence, opts: Pick<NoiseOptions, 'confidence' | 'minSamples'>): FieldJudgement {
  if (e.noise === 0) return { decision: e.divergent > 0 ? 'divergent' : 'noise', noiseAccepted: true }
  if (e.noiseSamples < opts.minSamples) {
    return { decision: e.divergent > 0 ? 'divergent' : 'insufficient-data', noiseAccepted: false }
  }
  const observed = Math.min(e.noiseObserved, e.noiseSamples)
  const pValue = fisherGreater(Math.min(e.noise, e.compared), Math.max(e.compared, e.noise), observed, e.noiseSamples)
  const noiseAccepted = pValue >= 1 - opts.confidence
  return { decision: e.divergent > 0 || !noiseAccepted ? 'divergent' : 'noise', pValue, noiseAccepted }
}
