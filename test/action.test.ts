// action.yml, the GitHub Action: its inputs mirror `ba-conformance run`, and its own shell steps
// work. The run step is executed as the runner would (bash, the inputs in the environment,
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files) on a short run against the flawed example backend;
// the last step maps exit codes. The actions it calls (setup-node, upload-artifact, upload-sarif)
// are GitHub's and run only there.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { UNREDACTED_FILE } from '../harness/run/report.js';
import { freePort } from '../harness/net.js';
import { runCli } from './support/cli.js';
import { teamEnv } from './support/pack.js';

interface Step {
  id?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
const action = parse(await readFile(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }>; runs: { using: string; steps: Step[] } };

/** Runs one of the action's bash steps with `env` standing in for its `${{ }}` expressions. */
function bash(step: Step, cwd: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['-e', '-c', step.run!], { cwd, env: teamEnv(env), encoding: 'utf8', timeout: 300_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('action.yml', () => {
  it('is a composite action whose run inputs are the flags of ba-conformance run', async () => {
    expect(action.runs.using).toBe('composite');
    const help = (await runCli(['run', '--help'])).stdout;
    for (const input of ['config', 'target', 'start', 'only', 'skip', 'fail-on', 'strict', 'baseline', 'issuer-mode', 'issuer-url', 'max-rps', 'profile', 'out']) {
      expect(action.inputs[input], input).toBeDefined();
      expect(help, `--${input}`).toContain(`--${input} `);
    }
    expect(action.inputs.jobs).toBeDefined();
    // Secrets are inputs too, passed to the tool as its variables (never on its command line).
    const run = action.runs.steps.find((s) => s.id === 'run')!.run!;
    for (const [input, variable] of [['issuer-token', 'BA_CONFORMANCE_ISSUER_TOKEN'], ['user-a', 'BA_CONFORMANCE_USER_A'], ['user-b', 'BA_CONFORMANCE_USER_B']]) {
      expect(action.inputs[input!], input).toBeDefined();
      expect(run).toContain(`export ${variable}=`);
    }
    // Without a package the tool runs from the action's checkout: installed once (npm ci), never packed and installed again.
    const install = action.runs.steps.find((s) => s.id === 'install')!.run!;
    expect(install).not.toContain('npm pack');
    expect(action.runs.steps.map((s) => s.uses?.split('@')[0]).filter(Boolean)).toEqual(['actions/setup-node', 'actions/upload-artifact', 'github/codeql-action/upload-sarif']);
  });

  it('never uploads the --keep-secrets file with the report artifact', () => {
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    const paths = upload.with!.path!.split('\n').map((l) => l.trim()).filter(Boolean);
    expect(paths).toEqual(['${{ steps.run.outputs.out }}', `!${'${{ steps.run.outputs.out }}'}/${UNREDACTED_FILE}`]);
  });

  it('runs the tool with the inputs, records the exit code and reports, writes the job summary, and fails by the exit code', { timeout: 300_000 }, async () => {
    const repo = await mkdtemp(path.join(tmpdir(), 'ba-action-'));
    const port = await freePort();
    await writeFile(path.join(repo, 'conformance.config.ts'), `import { defineConfig } from 'better-auth-conformance';
export default defineConfig({
  target: {
    baseUrl: 'http://127.0.0.1:${port}', protectedPath: '/api/todos', identityPath: '/api/me',
    cwd: ${JSON.stringify(path.relative(repo, REPO_ROOT))},
    start: 'PORT={port} FLAW=alg-none exec node fixtures/backends/node/start.mjs',
  },
  profiles: { ci: { report: { failOn: 'critical' } } },
});
`);
    const outputs = path.join(repo, 'github-output');
    const summary = path.join(repo, 'step-summary');
    await writeFile(outputs, '');
    await writeFile(summary, '');
    const runStep = action.runs.steps.find((s) => s.id === 'run')!;
    const token = 'T'.repeat(40);
    const inputs = { IN_CONFIG: 'conformance.config.ts', IN_PROFILE: 'ci', IN_TARGET: '', IN_START: '', IN_ONLY: 'CTL- SIG-ALG-NONE', IN_SKIP: 'CTL-PERSIST', IN_FAIL_ON: '', IN_STRICT: 'true', IN_BASELINE: '', IN_ISSUER_MODE: 'process', IN_ISSUER_URL: '', IN_MAX_RPS: '500', IN_JOBS: '4', IN_OUT: 'out/conformance', IN_ISSUER_TOKEN: token, IN_USER_A: '', IN_USER_B: '' };
    // The tool as the install step leaves it without a `package` input: this checkout's bin.
    const ran = bash(runStep, repo, { ...inputs, BIN: path.join(REPO_ROOT, 'bin/ba-conformance.js'), SPEC: '', GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: summary, ACTION_REPOSITORY: 'acme/ba-conformance', ACTION_REF: 'v1' });
    expect(ran.status, ran.stderr).toBe(0);
    // The token input reached the tool as its variable (a process-mode run ignores it, and says so without its value).
    expect(ran.stderr).toContain('issuer.token (BA_CONFORMANCE_ISSUER_TOKEN) is ignored');
    expect(`${ran.stdout}${ran.stderr}`).not.toContain(token);
    const out = path.join(repo, 'out/conformance');
    const recorded = Object.fromEntries((await readFile(outputs, 'utf8')).trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
    expect(recorded).toEqual({ 'exit-code': '1', out, report: path.join(out, 'report.json'), sarif: path.join(out, 'report.sarif') });
    const report = JSON.parse(await readFile(recorded.report!, 'utf8')) as { gate: unknown; run: { jobs: number }; checks: { id: string; verdict: string }[] };
    expect(report.gate).toEqual({ failOn: 'critical', strict: true });
    expect(report.run.jobs).toBe(4);
    expect(report.checks.find((c) => c.id === 'SIG-ALG-NONE')?.verdict).toBe('FAIL');
    expect(report.checks.map((c) => c.id)).not.toContain('CTL-PERSIST');
    expect(await readFile(summary, 'utf8')).toBe(await readFile(path.join(out, 'summary.md'), 'utf8'));
    // The job summary's links go to the action's own catalogue, where a job summary can follow them.
    expect(await readFile(summary, 'utf8')).toContain('](https://github.com/acme/ba-conformance/blob/v1/docs/checks.md#SIG-ALG-NONE)');

    const gate = action.runs.steps.at(-1)!;
    for (const [code, status, message] of [['0', 0, /passed the gate/], ['1', 1, /::error .*findings at or above the gate/], ['2', 2, /configuration/], ['3', 3, /could not decide/], ['130', 130, /interrupted/], ['', 1, /did not start/]] as const) {
      const mapped = bash(gate, repo, { CODE: code });
      expect(mapped.status, code).toBe(status);
      expect(mapped.stdout).toMatch(message);
    }
  });
});
