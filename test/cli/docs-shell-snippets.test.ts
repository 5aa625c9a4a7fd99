/**
 * The shell in the README, docs/ and examples/ works on a fresh machine:
 * nothing installs shadowdiff from the npm registry (it is not published;
 * the README's Install section packs the checkout), and every snippet whose
 * status is decided by a pipe sets `-o pipefail` (with jq 1.6, `curl --fail
 * … | jq -e` passes on a failed curl without it). examples/github-actions.yaml
 * included: its replay job installs from a packed tarball (#13).
 */
import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { parseAllDocuments } from 'yaml'

const ROOT = new URL('../../', import.meta.url)

interface Snippet {
  where: string
  code: string
  /** GitHub Actions' `shell: bash` runs with -eo pipefail. */
  pipefailShell?: boolean
}

function markdownSnippets(file: string): Snippet[] {
  const out: Snippet[] = []
  let open: { info: string; lines: string[]; line: number } | undefined
  readFileSync(new URL(file, ROOT), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const fence = /^```(.*)$/.exec(line)
      if (fence && !open) open = { info: fence[1].trim(), lines: [], line: i + 1 }
      else if (fence && open) {
        if (['sh', 'bash', 'shell', 'console'].includes(open.info)) out.push({ where: `${file}:${open.line}`, code: open.lines.join('\n') })
        open = undefined
      } else open?.lines.push(line)
    })
  return out
}

function workflowSnippets(file: string): Snippet[] {
  const out: Snippet[] = []
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${path}[${i}]`))
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>
      if (typeof o.run === 'string') out.push({ where: `${file} ${path}`, code: o.run, pipefailShell: o.shell === 'bash' })
      for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`)
    }
  }
  for (const doc of parseAllDocuments(readFileSync(new URL(file, ROOT), 'utf8'))) walk(doc.toJS(), '')
  return out
}

const files = (dir: string, ext: string) => readdirSync(new URL(dir, ROOT)).filter((f) => f.endsWith(ext)).map((f) => `${dir}${f}`)
const markdown = ['README.md', ...files('docs/', '.md')]
const examples = files('examples/', '.yaml')

/** A pipe that decides the status: `a | b`, not `||`, not inside a comment or quotes of a single word. */
function pipes(code: string): boolean {
  return code.split('\n').some((line) => /(^|[^|])\|([^|]|$)/.test(line.replace(/(^|\s)#.*$/, '').replace(/'[^']*'|"[^"]*"/g, '""')))
}

describe('shell snippets in the README, docs and examples', () => {
  const snippets = [...markdown.flatMap(markdownSnippets), ...examples.flatMap(workflowSnippets)]

  it('finds the snippets (README install, docs, example workflows)', () => {
    expect(snippets.some((s) => s.where.startsWith('README.md') && s.code.includes('npm install --global ./shadowdiff-*.tgz'))).toBe(true)
    expect(snippets.some((s) => s.where.startsWith('examples/github-actions.yaml') && s.code.includes('npm install --global ./shadowdiff-*.tgz'))).toBe(true)
    expect(snippets.filter((s) => pipes(s.code)).length).toBeGreaterThan(0)
  })

  it('every snippet whose status a pipe decides sets -o pipefail before its first pipe', () => {
    const missing = snippets
      .filter((s) => pipes(s.code) && !s.pipefailShell)
      .filter((s) => {
        const lines = s.code.split('\n')
        const first = lines.findIndex((l) => pipes(l))
        return !lines.slice(0, first + 1).some((l) => /\bset -[a-z]*o pipefail\b|\bset -o pipefail\b/.test(l))
      })
      .map((s) => s.where)
    expect(missing).toEqual([])
  })

  it('nothing installs shadowdiff from the registry: it is not published', () => {
    const all = [...markdown, ...examples]
    const offenders = all.flatMap((f) =>
      readFileSync(new URL(f, ROOT), 'utf8')
        .split('\n')
        .map((line, i) => ({ at: `${f}:${i + 1}`, line }))
        .filter(({ line }) => /npm (install|i)\b[^\n]*\s(-g|--global)\b[^\n]*\bshadowdiff(@|\s|$)|npx\b[^\n]*\bshadowdiff@/.test(line)),
    )
    expect(offenders).toEqual([])
  })
})
