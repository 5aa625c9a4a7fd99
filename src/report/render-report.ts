/** One entry point for every report format. */
import type { Report } from './report-types.js'
import { renderHtml } from './render-html.js'
import { renderMarkdown } from './render-markdown.js'
import { renderJunit } from './render-junit.js'

export const REPORT_FORMATS = ['json', 'md', 'html', 'junit'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

export function renderReport(report: Report, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2)
    case 'md':
      return renderMarkdown(report)
    case 'html':
      return renderHtml(report)
    case 'junit':
      return renderJunit(report)
  }
}
