/**
 * Report fixtures for renderer tests: realistic JSON files in test/fixtures
 * (a failing 30-minute run, a hostile XSS run, an empty run) and
 * `makeReport()` to derive variants without editing the files.
 */
import { readFileSync } from 'node:fs'
import type { Report } from '../../src/report/report-types.js'

/** `newcomer`: a first half hour at low traffic (minutes of 1–3 exchanges), a promotion whose steps land seconds apart, a rollback. */
export type FixtureName = 'failing' | 'xss' | 'empty' | 'newcomer'

/** A fresh copy of `test/fixtures/report-<name>.json`. */
export function loadFixture(name: FixtureName): Report {
  return JSON.parse(readFileSync(new URL(`../fixtures/report-${name}.json`, import.meta.url), 'utf8')) as Report
}

/**
 * The failing fixture with top-level fields replaced; `verdict` and `totals`
 * are merged so a test can flip one value.
 *
 * @example makeReport({ verdict: { ok: true, reasons: [], failingEndpoints: [] } })
 */
export function makeReport(
  overrides: Omit<Partial<Report>, 'verdict' | 'totals'> & { verdict?: Partial<Report['verdict']>; totals?: Partial<Report['totals']> } = {},
): Report {
  const base = loadFixture('failing')
  const { verdict, totals, ...rest } = overrides
  return { ...base, ...rest, verdict: { ...base.verdict, ...verdict }, totals: { ...base.totals, ...totals } }
}

/** The XSS payloads the hostile fixture carries in every recorded string. */
export const PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'] as const
