// The default update is PUT. A PATCH-only API (the example backend with TODO_UPDATE_METHOD=PATCH,
// whose PUT answers 404): with its OpenAPI document the suite updates with PATCH as declared, and
// without one the check says which setting to change instead of a bare ERROR.
import { describe, expect, it } from 'vitest';
import { freePort } from '../harness/net.js';
import { runSuite } from './support/known-answers.js';

async function writeOther(extra: string[]) {
  const port = await freePort();
  const { report, stderr } = await runSuite([
    '--target', `http://127.0.0.1:${port}`, '--protected', '/api/todos', '--identity', '/api/me', '--issuer-mode', 'process', '--alg', 'EdDSA',
    '--only', 'ISO-WRITE-OTHER', '--resource', '/api/todos', '--resource-body', '{"title":"{{lorem.sentence}}"}', '--resource-owner', 'ownerId',
    '--start', 'TODO_UPDATE_METHOD=PATCH PORT={port} exec node fixtures/backends/node/start.mjs', ...extra,
  ]);
  const check = report.checks.find((c) => c.id === 'ISO-WRITE-OTHER');
  expect(check, stderr).toBeDefined();
  return check!;
}

describe.concurrent('a PATCH-only resource', { timeout: 120_000 }, () => {
  it('with the OpenAPI document: updated with PATCH, as declared, and judged', async () => {
    const check = await writeOther(['--openapi', '/openapi.json']);
    expect(check.verdict, check.observed).toBe('PASS');
    expect(check.evidence.some((e) => e.request.method === 'PATCH')).toBe(true);
  });

  it('without it: ERROR that names the setting, update: \'PATCH …\'', async () => {
    const check = await writeOther([]);
    expect(check.verdict).toBe('ERROR');
    expect(check.observed).toMatch(/the default update, PUT \/api\/todos\/\{id\}, answered 404 to the owner itself; if the API updates with PATCH, set update: 'PATCH \/api\/todos\/\{id\}'/);
  });
});
