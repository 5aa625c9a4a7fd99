/**
 * The files in examples/ are copied by users as they are, so they are held
 * to the contracts they rely on: every file parses, the names that tie the
 * files together agree, the config and flags are accepted, and each
 * controller call they describe is made against a real shadowdiff, read the
 * way the controller reads it (Argo: URL template, headers, jsonPath,
 * successCondition; Flagger: payload, metadata strings, status codes;
 * GitHub Actions: the very `shadowdiff` command lines of the workflow).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { request } from 'undici'
import { validateConfig } from '../../src/config.js'
import { resolveThresholds } from '../../src/gate/thresholds.js'
import { parseFlags } from '../../src/cli/parse-flags.js'
import { SERVE_FLAGS, configFromFlags } from '../../src/cli/serve-options.js'
import { ROOT, runCli } from '../helpers/cli.js'
import { recordTraffic, same, scratchDir, startShadow, type Started } from './record-traffic.js'
import { jsonService } from '../replay/replay-kit.js'

type Doc = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const EXAMPLES = join(ROOT, 'examples')

/** Every document of an example file; a YAML error fails the test with its message. */
function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(join(EXAMPLES, file), 'utf8'))
  for (const d of docs) expect(d.errors.map((e) => e.message), file).toEqual([])
  return docs.map((d) => d.toJS() as Doc)
}

function kind(file: string, k: string): Doc {
  const found = load(file).find((d) => d.kind === k)
  expect(found, `${file} has a ${k}`).toBeDefined()
  return found!
}

const deployment = () => load('shadowdiff-deployment.yaml')
const secretToken = () => deployment().find((d) => d.kind === 'Secret')!.stringData.token as string
const service = (name: string) => deployment().find((d) => d.kind === 'Service' && d.metadata.name === name)

const { dir, cleanup } = scratchDir()
let shadow: Started

beforeAll(async () => {
  // The shadowdiff the examples talk to: the ConfigMap's gate, the Secret's token, on loopback.
  const file = deployment().find((d) => d.kind === 'ConfigMap')!.data['shadowdiff.yaml'] as string
  const { gate } = parseAllDocuments(file)[0].toJS() as Doc
  shadow = await startShadow(
    dir,
    'examples',
    { primary: same, candidate: (path) => (path.startsWith('/api/orders') ? { body: { path, name: 'Bob', tags: ['a', 'b'] } } : same(path)) },
    { adminToken: secretToken(), gate },
  )
  await shadow.send({ '/api/users/1': 30, '/api/orders/7': 10 })
})
afterAll(async () => {
  await shadow?.close()
  cleanup()
})

describe('examples/', () => {
  it('every file parses as YAML', () => {
    const files = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f))
    expect(files.sort()).toEqual([
      'argo-analysis-template.yaml',
      'argo-rollout.yaml',
      'flagger-canary.yaml',
      'github-actions.yaml',
      'shadowdiff-deployment.yaml',
      'shadowdiff.yaml',
    ])
    for (const f of files) expect(load(f).length, f).toBeGreaterThan(0)
  })

  it('shadowdiff.yaml is a valid config for serve and a valid gate for gate/report', () => {
    const [doc] = load('shadowdiff.yaml')
    expect(() => validateConfig({ primary: 'http://127.0.0.1:1', candidate: 'http://127.0.0.1:2', ...doc })).not.toThrow()
    const t = resolveThresholds(doc.gate)
    expect(t.endpoints?.['GET /api/orders/:id']).toEqual({ maxEndpointDivergence: 1 })
  })

  it('the Deployment runs serve with flags and a ConfigMap serve accepts; the Services match the Rollout', () => {
    const docs = deployment()
    const container = docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0]
    // Installed in the image from the packed tarball (not on the registry), so the command is the binary itself.
    expect(container.command).toEqual(['shadowdiff'])
    expect(container.args[0]).toBe('serve')
    const configFile = join(dir, 'configmap.yaml')
    writeFileSync(configFile, docs.find((d) => d.kind === 'ConfigMap')!.data['shadowdiff.yaml'])
    const args = container.args.slice(1).map((a: string) => (a === '/etc/shadowdiff/shadowdiff.yaml' ? configFile : a))
    const config = configFromFlags(parseFlags(args, SERVE_FLAGS).values, { SHADOWDIFF_ADMIN_TOKEN: secretToken() })
    expect(config).toMatchObject({ host: '0.0.0.0', adminHost: '0.0.0.0', adminToken: secretToken(), port: 8080, adminPort: 8081 })
    expect(container.volumeMounts.map((m: Doc) => m.mountPath)).toEqual(['/etc/shadowdiff', '/var/lib/shadowdiff'])
    expect(config.db.startsWith('/var/lib/shadowdiff/')).toBe(true)

    const rollout = kind('argo-rollout.yaml', 'Rollout')
    const { stableService, canaryService } = rollout.spec.strategy.canary
    const rolloutServices = load('argo-rollout.yaml').filter((d) => d.kind === 'Service').map((d) => d.metadata.name)
    expect(rolloutServices).toEqual([stableService, canaryService])
    expect(config.primary).toBe(`http://${stableService}.shop.svc.cluster.local:8080`)
    expect(config.candidate).toBe(`http://${canaryService}.shop.svc.cluster.local:8080`)
    expect(service('shadowdiff-admin')!.spec.ports[0].port).toBe(8081)
    expect(service('shadowdiff')!.spec.ports[0].port).toBe(8080)
  })
})

describe('examples/argo-*.yaml against a running shadowdiff', () => {
  const template = () => kind('argo-analysis-template.yaml', 'AnalysisTemplate')

  /** Resolves `{{args.x}}` the way Argo does, with the Rollout step's args over the template's defaults. */
  function resolve(text: string, args: Record<string, string>): string {
    return text.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_, name: string) => {
      expect(args[name], `argument ${name}`).toBeDefined()
      return args[name]
    })
  }

  /** `{$.data}` → body.data: the JSONPath subset Argo's examples use. */
  function jsonPath(path: string, body: unknown): unknown {
    const m = /^\{\$((?:\.\w+)*)\}$/.exec(path)
    expect(m, `jsonPath ${path}`).not.toBeNull()
    return m![1].split('.').filter(Boolean).reduce((v: any, k) => v?.[k], body) // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  it('the Rollout references the template and only arguments it declares', () => {
    const names = template().spec.args.map((a: Doc) => a.name)
    const steps = kind('argo-rollout.yaml', 'Rollout').spec.strategy.canary.steps as Doc[]
    const analyses = steps.filter((s) => s.analysis)
    expect(analyses.length).toBeGreaterThan(0)
    for (const s of analyses) {
      expect(s.analysis.templates).toEqual([{ templateName: template().metadata.name }])
      for (const a of s.analysis.args ?? []) expect(names).toContain(a.name)
    }
    // No setWeight: 100 without trafficRouting: it would scale the stable ReplicaSet (behind shadowdiff) to zero.
    expect(steps.some((s) => s.setWeight === 100)).toBe(false)
  })

  it('the web metric reads /api/gate with the token and judges result.ok', async () => {
    const t = template()
    expect(t.apiVersion).toBe('argoproj.io/v1alpha1')
    const metric = t.spec.metrics[0]
    const web = metric.provider.web
    expect(web.jsonPath).toBe('{$.data}')
    expect(metric.successCondition).toBe('result.verdict == "pass"')
    expect(metric.failureCondition).toBe('result.verdict == "fail"')
    const secretRef = t.spec.args.find((a: Doc) => a.name === 'admin-token').valueFrom.secretKeyRef
    expect(secretRef).toEqual({ name: 'shadowdiff-admin', key: 'token' })
    expect(t.spec.args.find((a: Doc) => a.name === 'shadowdiff-admin').value).toBe('http://shadowdiff-admin.shop.svc.cluster.local:8081')

    const defaults = Object.fromEntries(t.spec.args.filter((a: Doc) => a.value !== undefined).map((a: Doc) => [a.name, String(a.value)]))
    const step = (kind('argo-rollout.yaml', 'Rollout').spec.strategy.canary.steps as Doc[]).find((s) => s.analysis)!
    const stepArgs = Object.fromEntries((step.analysis.args ?? []).map((a: Doc) => [a.name, String(a.value)]))
    const measure = async (override: Record<string, string>) => {
      const args = { ...defaults, ...stepArgs, 'shadowdiff-admin': shadow.adminUrl, 'admin-token': secretToken(), ...override }
      const headers = Object.fromEntries(web.headers.map((h: Doc) => [h.key.toLowerCase(), resolve(h.value, args)]))
      const res = await request(resolve(web.url, args), { method: web.method ?? 'GET', headers })
      expect(res.statusCode).toBe(200)
      const result = jsonPath(web.jsonPath, await res.body.json()) as Doc
      const judge = (expr: string) => new Function('result', `return (${expr})`)(result) as boolean
      return { result, success: judge(metric.successCondition), failure: judge(metric.failureCondition) }
    }

    // As the Rollout asks (500 samples): 40 compared is short of minSamples, but at 95% confidence 10 of
    // 40 divergent already proves the candidate bad (lower bound 14% > 1%): Failed, not Inconclusive.
    const thin = await measure({})
    expect(thin).toMatchObject({ success: false, failure: true, result: { verdict: 'fail', enoughSamples: false, samples: 40 } })
    expect(thin.result.reasons).toContain('too few samples: 40 compared < 500 required (minSamples)')
    // (An equal candidate short of minSamples is Inconclusive: test/gate/inconclusive-verdict.test.ts.)
    // With enough samples, 25% divergence fails. A loose overall limit still leaves the
    // ConfigMap's override for GET /api/orders/:id (5%), which the query does not touch.
    expect(await measure({ 'min-samples': '40' })).toMatchObject({ success: false, failure: true })
    const loose = await measure({ 'min-samples': '40', 'max-divergence': '1' })
    expect(loose).toMatchObject({ success: false, failure: true, result: { verdict: 'fail' } })
    expect(loose.result.reasons).toContain('GET /api/orders/:id: divergence 100.0% > 5.0% (10/10); its 95% lower bound 74.11% is above the maximum')
  })
})

describe('examples/flagger-canary.yaml against a running shadowdiff', () => {
  const canary = () => kind('flagger-canary.yaml', 'Canary')
  const hooks = () => (canary().spec.analysis.webhooks as Doc[]).filter((w) => w.url.includes('/api/gate/flagger'))

  it('webhook types are Flagger types, metadata values are strings, the load goes through the shadowdiff Service', () => {
    const all = canary().spec.analysis.webhooks as Doc[]
    const types = ['confirm-rollout', 'pre-rollout', 'rollout', 'confirm-traffic-increase', 'confirm-promotion', 'post-rollout', 'rollback', 'event']
    for (const w of all) {
      expect(types, w.name).toContain(w.type)
      // Flagger's CRD types metadata as map[string]string: a bare number would be rejected.
      for (const [k, v] of Object.entries(w.metadata ?? {})) expect(typeof v, `${w.name} metadata.${k}`).toBe('string')
    }
    expect(hooks().map((w) => [w.type, new URL(w.url).pathname])).toEqual([
      ['rollout', '/api/gate/flagger'],
      ['confirm-promotion', '/api/gate/flagger'],
      ['rollback', '/api/gate/flagger/rollback'],
    ])
    for (const w of hooks()) {
      expect(new URL(w.url).host).toBe(`shadowdiff-admin.shop:${service('shadowdiff-admin')!.spec.ports[0].port}`)
      expect(w.metadata.token).toBe(secretToken())
    }
    const load = all.find((w) => w.metadata?.cmd)!
    expect(load.metadata.cmd).toMatch(new RegExp(`http://shadowdiff\\.shop:${service('shadowdiff')!.spec.ports[0].port}/`))
  })

  it('each webhook gets a status Flagger acts on (not 400 or 401), with its metadata thresholds applied', async () => {
    const answers = await Promise.all(
      hooks().map(async (w) => {
        const url = new URL(w.url)
        const res = await request(`${shadow.adminUrl}${url.pathname}${url.search}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: canary().metadata.name, namespace: canary().metadata.namespace, phase: 'Progressing', metadata: w.metadata }),
        })
        return { type: w.type, status: res.statusCode, body: (await res.body.json()) as Doc, minSamples: w.metadata.minSamples }
      }),
    )
    for (const a of answers) {
      // 40 compared here; each hook asks for more, so each halts (or declines to roll back) for lack of evidence.
      expect(a.status, a.type).toBe(a.type === 'rollback' ? 409 : 403)
      expect(a.body.reasons[0], a.type).toBe(`too few samples: 40 compared < ${a.minSamples} required (minSamples)`)
    }
  })
})

describe('examples/github-actions.yaml', () => {
  const workflow = () => load('github-actions.yaml')[0]
  const steps = (job: string) => workflow().jobs[job].steps as Doc[]
  const runs = (job: string) => steps(job).map((s) => s.run ?? '').join('\n')
  const step = (job: string, name: string) => steps(job).find((s) => s.name === name)!

  it('gates with one replay step, installs from a packed tarball, and reports after the gate whatever it said', () => {
    const w = workflow()
    expect(Object.keys(w.on)).toEqual(['pull_request', 'workflow_dispatch'])
    expect(w.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' })
    const all = runs('replay')
    // shadowdiff is not on the registry: never `npm install shadowdiff@…`.
    expect(all).not.toMatch(/npm install (--global )?shadowdiff@/)
    expect(step('replay', 'Install shadowdiff').run).toMatch(/^npm ci\nnpm pack\nnpm install --global \.\/shadowdiff-\*\.tgz\n/)
    const gate = step('replay', 'Replay recorded traffic and gate')
    expect(gate.if).toBeUndefined()
    expect(gate.run).toMatch(/^set -o pipefail\nshadowdiff replay --from traffic\/captured\.ndjson /)
    expect(gate.run).toContain('--report md --out "$GITHUB_STEP_SUMMARY"')
    // Every step whose status a pipe decides says pipefail.
    for (const job of ['replay', 'staging-gate']) {
      for (const s of steps(job)) if (/\|\s*(tee|jq)\b/.test(s.run ?? '')) expect(s.run, s.name).toMatch(/^set -o pipefail\n/)
    }
    // The reports, the comment and the upload run after a failing gate too; only cancellation skips them.
    const all_ = steps('replay')
    const after = all_.slice(all_.findIndex((s) => s.name === gate.name) + 1)
    expect(after.map((s) => s.name)).toEqual(['Write the reports', 'Comment on the pull request', 'Upload the reports'])
    for (const s of after) expect(s.if, s.name).toBe('${{ !cancelled() }}')
    expect(all).toMatch(/gh pr comment "\$\{\{ github\.event\.pull_request\.number \}\}" --body-file reports\/shadowdiff\.md --edit-last --create-if-none/)
  })

  it('npm pack of this checkout holds the binary and the build the install step puts on the PATH', async () => {
    const { execFileSync } = await import('node:child_process')
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as { name: string; files: { path: string }[] }[]
    expect(packed.name).toBe('shadowdiff')
    const files = packed.files.map((f) => f.path)
    expect(files).toEqual(expect.arrayContaining(['bin/shadowdiff.js', 'dist/cli/main.js', 'dist/cli/replay-command.js', 'package.json']))
  })

  it('its replay and report steps run as written: exit 0 on an equal candidate, 1 on a divergent one (through tee)', async () => {
    const cwd = join(dir, 'workflow')
    mkdirSync(join(cwd, 'traffic'), { recursive: true })
    mkdirSync(join(cwd, 'bin'))
    copyFileSync(join(EXAMPLES, 'shadowdiff.yaml'), join(cwd, 'shadowdiff.yaml'))
    writeFileSync(join(cwd, 'bin', 'shadowdiff'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'shadowdiff.js')}" "$@"\n`, { mode: 0o755 })
    // traffic/captured.ndjson as production's shadowdiff writes it: 210 requests through serve --capture (the example's minSamples is 200).
    const production = await startShadow(dir, 'wf-capture', { primary: same, candidate: same }, { capture: { file: join(cwd, 'traffic', 'captured.ndjson') } })
    for (let i = 0; i < 210; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const res = await request(`${production.proxyUrl}/api/${(i + j) % 3 === 0 ? 'orders/7' : 'users/1'}`, { headers: { authorization: 'Bearer production-secret' } })
          await res.body.dump()
        }),
      )
    }
    await production.close()
    expect(readFileSync(join(cwd, 'traffic', 'captured.ndjson'), 'utf8')).not.toContain('production-secret')
    const [primary, twin, changed] = await Promise.all([jsonService(), jsonService(), jsonService((_m, path) => path === '/api/orders/7')])
    const script = (candidate: string) =>
      [step('replay', 'Replay recorded traffic and gate').run, step('replay', 'Write the reports').run]
        .join('\n')
        .replaceAll('http://127.0.0.1:3000', primary.url)
        .replaceAll('http://127.0.0.1:3001', candidate)
    const bash = (text: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn('bash', ['-e', '-c', text], { cwd, env: { ...process.env, PATH: `${join(cwd, 'bin')}:${process.env.PATH}`, GITHUB_STEP_SUMMARY: join(cwd, 'summary.md'), CI_API_TOKEN: 'ci-token' } })
        let out = ''
        child.stdout.on('data', (c) => (out += c))
        child.stderr.on('data', (c) => (out += c))
        child.on('close', (code) => resolve({ code, out }))
      })
    const pass = await bash(script(twin.url))
    expect(pass.code, pass.out).toBe(0)
    expect(readFileSync(join(cwd, 'summary.md'), 'utf8')).toMatch(/^## ✅ shadowdiff: PASS\n/)
    expect(readFileSync(join(cwd, 'replay.log'), 'utf8')).toMatch(/\nPASS: of 210 compared exchanges, 0\.0% diverged/)
    expect(readFileSync(join(cwd, 'reports/shadowdiff.md'), 'utf8')).toMatch(/^## ✅ shadowdiff: PASS\n/)
    expect(existsSync(join(cwd, 'reports/report.html'))).toBe(true)
    expect(readFileSync(join(cwd, 'reports/junit.xml'), 'utf8')).toContain('failures="0"')
    // The fresh token replaced the redacted one on both sides.
    expect(new Set([...primary.received, ...twin.received].map((r) => r.headers.authorization))).toEqual(new Set(['Bearer ci-token']))

    // The gate step alone, on a divergent candidate: replay exits 1 and pipefail carries it past tee.
    const fail = await bash(script(changed.url).split('\n').filter((l) => !l.startsWith('shadowdiff report')).join('\n'))
    expect(fail.code, fail.out).toBe(1)
    expect(readFileSync(join(cwd, 'summary.md'), 'utf8')).toMatch(/^## ❌ shadowdiff: FAIL\n/)
  })

  it('the staging job reads /reports/latest.md and /api/gate the way its curl | jq lines expect', async () => {
    const all = runs('staging-gate')
    const paths = [...all.matchAll(/"\$SHADOWDIFF_ADMIN(\/[^"?]+)\?last=\$WINDOW"/g)].map((m) => m[1])
    expect(paths).toEqual(['/reports/latest.md', '/api/gate'])
    expect(all).toContain("jq --exit-status '.data.ok'")
    const headers = { authorization: `Bearer ${secretToken()}` }
    const md = await request(`${shadow.adminUrl}/reports/latest.md?last=1h`, { headers })
    expect(md.statusCode).toBe(200)
    expect(await md.body.text()).toMatch(/^## (✅|❌) shadowdiff: (PASS|FAIL)\n/)
    const gate = await request(`${shadow.adminUrl}/api/gate?last=1h`, { headers })
    expect(gate.statusCode).toBe(200)
    // jq --exit-status fails on false or null: data.ok must be a boolean, here false (too few samples).
    expect((await gate.body.json()) as Doc).toMatchObject({ data: { ok: false } })
  })
})
