// No live credential in any artifact, and the backend's words inert wherever they are shown.
// Real runs of the CLI against a backend the harness starts (test/support/echo-backend.ts): one that
// echoes every credential it receives and sets a session cookie of its own, which writes down each
// secret it saw, so the test can look for every one of them in every file of the out directory and
// on the console; and one whose refusals carry Markdown links, an image, HTML and ANSI escapes,
// rendered as GitHub would render summary.md (GFM, micromark).
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import type { Report } from '../harness/report-model.js';
import { UNREDACTED_FILE } from '../harness/run/report.js';
import { PASSWORD_MARK, Redactor } from '../harness/report/redact.js';
import { markdownText } from '../harness/report/markdown.js';
import { freePort } from '../harness/net.js';
import { runCli } from './support/cli.js';
import { HOSTILE_MARKDOWN } from './support/echo-backend.js';

const BACKEND = 'test/support/echo-backend.ts';
const ESC = /[\u001b\u0007\u009b]/;

async function run(mode: 'echo' | 'markdown', out: string, extra: string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const start = `${Object.entries({ MODE: mode, ...env }).map(([k, v]) => `${k}=${v}`).join(' ')} PORT={port} exec node --import tsx ${BACKEND}`;
  return runCli(['run', '--issuer-mode', 'process', '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--identity', '/api/me', '--jobs', '1', '--out', out, '--start', start, ...extra]);
}

/** A JWS or JWE: its first segment decodes to a JSON object. */
const isJose = (s: string) => s.includes('.') && Buffer.from(s.split('.')[0]!, 'base64url').toString().trimStart().startsWith('{');

/**
 * The secret parts of a credential as sent: a token in full and its signature (a report may show its
 * header and claims, never the signature), or an opaque value in full (a session token, token.hmac).
 * A token without a real signature (alg none) is no secret.
 */
function secretsIn(credential: string): string[] {
  const found: string[] = [];
  // A JWS in JSON serialization (FMT-JSON-SERIALIZATION): its signatures are the secret, its header and claims the evidence.
  const json = /^\s*(?:Bearer\s+)?(\{[\s\S]*\})\s*$/i.exec(credential)?.[1];
  if (json) {
    try {
      const jws = JSON.parse(json) as { signature?: string; signatures?: { signature?: string }[] };
      return [json, ...[jws.signature, ...(jws.signatures ?? []).map((s) => s.signature)].filter((s): s is string => typeof s === 'string' && s.length >= 16)];
    } catch {
      // not JSON: read as any other credential
    }
  }
  let rest = credential;
  for (const [compact, signature] of credential.matchAll(/[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*\.([A-Za-z0-9_-]{16,})/g)) {
    found.push(compact, signature!);
    rest = rest.replace(compact, ' ');
  }
  for (const [opaque] of rest.replace(/^\s*(Bearer|Basic|Token|JWT)\b:?/i, ' ').matchAll(/[A-Za-z0-9._~+/=-]{16,}/g)) if (!isJose(opaque)) found.push(opaque);
  return found;
}

async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('no live credential in any artifact', { timeout: 240_000 }, () => {
  it('every token signature, session token and cookie the backend saw or set is in no report file and not on the console; --keep-secrets keeps them apart, owner-only', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'ba-redaction-'));
    const receivedFile = path.join(await mkdtemp(path.join(tmpdir(), 'ba-received-')), 'received.jsonl');
    const { code, stdout, stderr } = await run('echo', out, ['--only', 'CTL-VALID', 'XJWT-', 'TRN-', 'SIG-ALG-NONE', 'FMT-B64-CANON', 'FMT-JSON-SERIALIZATION', '--keep-secrets'], { RECEIVED_FILE: receivedFile });
    // ERR-NO-LEAK fails: the backend echoes the rejected tokens (that is the point of it).
    expect(code, stderr).toBe(1);

    // Every secret the run sent the backend, and every session cookie the backend set.
    const lines = readFileSync(receivedFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { authorization?: string; xAuthToken?: string; cookie?: string; query: Record<string, string>; setCookie: string });
    const secrets = new Set<string>();
    for (const l of lines) {
      for (const credential of [l.authorization, l.xAuthToken, l.cookie, l.query.access_token]) for (const s of secretsIn(credential ?? '')) secrets.add(s);
      secrets.add(l.setCookie);
    }
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
    const exchanges = report.checks.flatMap((c) => c.evidence);
    // The run did send what the issue found in reports: valid tokens, the session token and its cookie value, x-auth-token, ?access_token=.
    const labels = exchanges.map((e) => e.label);
    for (const label of ['the session token from sign-up', 'the signed session cookie value (token.hmac)', "A's token + X-Auth-Token: <B's token>", '?access_token=<jwt>, no Authorization header']) expect(labels.some((l) => l.endsWith(label)), label).toBe(true);
    expect(lines.filter((l) => l.xAuthToken).length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.query.access_token).length).toBeGreaterThan(0);
    expect(secrets.size).toBeGreaterThan(40);

    const files = (await filesOf(out)).filter((f) => path.basename(f) !== UNREDACTED_FILE);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['checks.md', 'junit.xml', 'report.html', 'report.json', 'report.sarif', 'summary.md']);
    const texts = [...(await Promise.all(files.map(async (f) => [path.basename(f), await readFile(f, 'utf8')] as const))), ['stdout', stdout] as const, ['stderr', stderr] as const];
    const hits = texts.flatMap(([where, text]) => [...secrets].filter((s) => text.includes(s)).map((s) => `${where}: ${s.slice(0, 24)}…`));
    expect(hits).toEqual([]);

    // The evidence still shows what was sent: each token's header and claims, its signature as a fingerprint.
    const valid = exchanges.find((e) => e.outcome === 'accepted' && e.request.headers.authorization?.startsWith('Bearer '))!;
    expect(valid.request.token?.payload).toMatchObject({ sub: expect.any(String) });
    expect(valid.request.token?.compact).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.sig:sha256:[0-9a-f]{12}$/);
    expect(valid.request.headers.authorization).toBe(`Bearer ${valid.request.token!.compact}`);
    expect([valid.response!.headers['set-cookie']].flat()).toEqual([expect.stringMatching(/^backend_session=redacted:sha256:[0-9a-f]{12}; Path=\/; HttpOnly$/)]);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/x-auth-token: eyJ[\w-]+\.eyJ[\w-]+\.sig:sha256:[0-9a-f]{12}/);
    expect(html).toMatch(/\?access_token=eyJ[\w-]+\.eyJ[\w-]+\.sig:sha256:[0-9a-f]{12}/);
    expect(html).toMatch(/Bearer redacted:sha256:[0-9a-f]{12}/);

    // Every report file is its owner's alone.
    for (const file of await filesOf(out)) expect(((await stat(file)).mode & 0o777).toString(8), file).toBe('600');

    // --keep-secrets: the unredacted evidence in a file of its own, and a warning that says so.
    // Each token the report shows (header and claims; the families' set-up probes are not evidence) is there whole.
    const kept = await readFile(path.join(out, UNREDACTED_FILE), 'utf8');
    const shown = texts.find(([where]) => where === 'report.json')![1];
    const sent = lines.flatMap((l) => [l.authorization, l.xAuthToken, l.query.access_token]).flatMap((c) => [...(c ?? '').matchAll(/[\w-]{2,}\.[\w-]*\.[\w-]{16,}/g)].map((m) => m[0]));
    const inReport = sent.filter((t) => shown.includes(`${t.slice(0, t.lastIndexOf('.'))}.sig:sha256:`));
    expect(inReport.length).toBeGreaterThan(20);
    expect(inReport.filter((t) => !kept.includes(t))).toEqual([]);
    expect(JSON.parse(kept)).toMatchObject({ run: { id: report.run.id } });
    expect(stderr).toContain(`--keep-secrets: WARNING: ${path.join(out, UNREDACTED_FILE)} holds live credentials`);
  });

  it("the backend's Markdown, HTML and escapes stay text: summary.md renders no link, image or tag of its; the console gets no escape; a stale unredacted file is removed, an old report file narrowed", async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'ba-markdown-'));
    await writeFile(path.join(out, UNREDACTED_FILE), 'left by an earlier --keep-secrets run');
    await writeFile(path.join(out, 'summary.md'), 'an earlier run, readable by all', { mode: 0o644 });
    const { code, stdout, stderr } = await run('markdown', out, ['--only', 'CTL-VALID', 'SIG-ALG-NONE']);
    expect(code, stderr).toBe(3); // the backend refuses valid tokens: nothing is decided
    expect(stdout).toContain('[click](http://evil.example/x)'); // quoted on the console ...
    expect(stdout + stderr).not.toMatch(ESC); // ... without its escapes

    const md = await readFile(path.join(out, 'summary.md'), 'utf8');
    // Both ways the backend's words reach it: a refused valid token's body, and ERR-401-CHALLENGE's WWW-Authenticate.
    expect(md).toContain('ERR-401-CHALLENGE');
    const rendered = micromark(md, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
    expect(rendered).not.toMatch(ESC);
    expect(rendered).not.toMatch(/<img\b/i);
    const links = [...rendered.matchAll(/<a\b[^>]*href="([^"]*)"/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((href) => !href!.startsWith('checks.md#'))).toEqual([]);
    // The hostile text is there, as text: twice (the body, the challenge), literally.
    const text = rendered.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/&quot;/g, '"');
    expect(text.split(HOSTILE_MARKDOWN).length - 1).toBeGreaterThanOrEqual(2);

    await expect(stat(path.join(out, UNREDACTED_FILE))).rejects.toThrow(/ENOENT/);
    // A report file an earlier run left readable by all is narrowed as it is rewritten.
    expect(((await stat(path.join(out, 'summary.md'))).mode & 0o777).toString(8)).toBe('600');
  });
});

describe('the redaction itself', () => {
  const jwt = `${Buffer.from('{"alg":"EdDSA","kid":"k1"}').toString('base64url')}.${Buffer.from('{"sub":"u1","iss":"http://issuer"}').toString('base64url')}.${'S'.repeat(86)}`;

  it('keeps a token readable but not usable, wherever it is, and redacting twice changes nothing', () => {
    const r = new Redactor();
    const [head, claims] = jwt.split('.');
    const expected = `${head}.${claims}.${r.fingerprint('S'.repeat(86), 'sig')}`;
    for (const text of [`Bearer ${jwt}`, `/api/me?access_token=${jwt}`, `{"token":"${jwt}"}`, `echoed: ${jwt}.`]) {
      const once = r.text(text);
      expect(once).toContain(expected);
      expect(once).not.toContain('S'.repeat(16));
      expect(r.text(once)).toBe(once);
    }
    // No signature worth the name (alg none, a stub): kept as sent.
    expect(r.text('Bearer e30.e30.')).toBe('Bearer e30.e30.');
    expect(r.text('Bearer null')).toBe('Bearer null');
    // A JWE keeps its header only.
    const jwe = `${Buffer.from('{"alg":"dir","enc":"A256GCM"}').toString('base64url')}..${'i'.repeat(16)}.${'c'.repeat(40)}.${'t'.repeat(22)}`;
    expect(r.text(jwe)).toMatch(/^eyJ[\w-]+\.jwe:sha256:[0-9a-f]{12}$/);
  });

  it('replaces known passwords and session tokens anywhere, inside claims too, and credential-shaped values in headers, cookies, URLs and JSON', () => {
    const session = 'Zq8sN1vE4rT7yU0iO3pA6sD9fG2hJ5kL';
    const r = new Redactor([{ value: 'correct horse battery', kind: 'password' }, { value: session, kind: 'credential' }]);
    expect(r.text('sign-in refused: {"email":"a@b.test","password":"correct horse battery"} (correct horse battery)')).toBe(`sign-in refused: {"email":"a@b.test","password":"${PASSWORD_MARK}"} (${PASSWORD_MARK})`);
    expect(r.text(`Bearer ${session}`)).toBe(`Bearer ${r.fingerprint(session)}`);
    // A claim holding the session token (the cookie-cache JWT): the payload is re-encoded without it.
    const cache = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ session: { token: session }, sub: 'u1' })).toString('base64url')}.${'h'.repeat(43)}`;
    const redacted = r.text(cache);
    expect(JSON.parse(Buffer.from(redacted.split('.')[1]!, 'base64url').toString())).toEqual({ session: { token: r.fingerprint(session) }, sub: 'u1' });
    // Unknown secrets, by where they are.
    const headers = r.value({ headers: { authorization: 'Bearer  opaque-opaque-opaque-1', cookie: 'a=1; better-auth.session_token=abcdefgh.ijklmnop', 'x-api-key': 'k'.repeat(20), 'www-authenticate': 'Bearer error="invalid_token"' } }).headers;
    expect(headers).toEqual({
      authorization: `Bearer  ${r.fingerprint('opaque-opaque-opaque-1')}`,
      cookie: `a=1; better-auth.session_token=${r.fingerprint('abcdefgh.ijklmnop')}`,
      'x-api-key': r.fingerprint('k'.repeat(20)),
      'www-authenticate': 'Bearer error="invalid_token"',
    });
    expect(r.text('/api?refresh_token=rrrrrrrrrrrr&page=2')).toBe(`/api?refresh_token=${r.fingerprint('rrrrrrrrrrrr')}&page=2`);
    expect(r.text('{"apiKey":"kkkkkkkkkk","name":"ok"}')).toBe(`{"apiKey":"${r.fingerprint('kkkkkkkkkk')}","name":"ok"}`);
  });

  it('finds tokens wherever they start (after %3D, _, an escaped newline) and credentials under auth and sid names', () => {
    const r = new Redactor();
    const sig = r.fingerprint('S'.repeat(86), 'sig');
    for (const text of [`next=%3D${jwt}`, `x_${jwt}`, `{"note":"line\\n${jwt}"}`, `"${jwt}"`]) expect(r.text(text), text).toContain(sig);
    expect(r.text('/cb?sid=ssssssssssss&x=1')).toBe(`/cb?sid=${r.fingerprint('ssssssssssss')}&x=1`);
    expect(r.value({ headers: { 'x-auth': 'a'.repeat(20), 'x-authorization': 'b'.repeat(20) } }).headers).toEqual({ 'x-auth': r.fingerprint('a'.repeat(20)), 'x-authorization': r.fingerprint('b'.repeat(20)) });
    // Ordinary words that merely contain the letters stay.
    expect(r.text('{"author":"Ada Lovelace-Byron"}')).toBe('{"author":"Ada Lovelace-Byron"}');
  });

  it('keys fingerprints to the run (no offline oracle), and replaces configured secrets however short and however encoded', () => {
    const a = new Redactor();
    const b = new Redactor();
    expect(a.fingerprint('the same secret')).toBe(a.fingerprint('the same secret'));
    expect(a.fingerprint('the same secret')).not.toBe(b.fingerprint('the same secret'));
    const r = new Redactor([{ value: 'Pa55 w0rd!', kind: 'password', always: true }, { value: 'hs25', kind: 'password', always: true }]);
    const sent = `q=${new URLSearchParams({ p: 'Pa55 w0rd!' }).toString().slice(2)}&r=${encodeURIComponent('Pa55 w0rd!')}&s=hs25`;
    expect(r.text(sent)).toBe(`q=${PASSWORD_MARK}&r=${PASSWORD_MARK}&s=${PASSWORD_MARK}`);
  });

  it('makes text inert Markdown: no link, image, tag or autolink survives, and the words stay', () => {
    const hostile = 'a|b `x` *y* _z_ [click](http://evil.example) ![i](https://evil.example/p.png) <img src=x> <https://evil.example> www.evil.example me@evil.example ``` done';
    const md = `| c |\n|---|\n| ${markdownText(hostile)} |\n\n> ${markdownText(hostile)}\n`;
    const html = micromark(md, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
    expect(html).not.toMatch(/<a\b|<img\b|<em>|<strong>/);
    expect(html.match(/<td>/g)).toHaveLength(1);
    const text = html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(text).toContain(hostile);
  });
});
