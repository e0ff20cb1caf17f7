// Where a check's reference can be read: RFC sections, CVEs, CWEs, CAPEC, GitHub advisories and
// issues, OWASP and PortSwigger pages. A reference with no stable address stays plain text.
import { OWASP_API_TOP10 } from '../checks/model.js';
import type { Taxonomy } from '../checks/model.js';

/** GitHub repositories the catalogue cites as `name#issue` without an owner. */
const REPOSITORIES: Record<string, string> = {
  'better-auth': 'better-auth/better-auth',
  pyjwt: 'jpadilla/pyjwt',
  backstage: 'backstage/backstage',
  'fast-jwt': 'nearform/fast-jwt',
  'go-oidc': 'coreos/go-oidc',
  libjwt: 'benmcollins/libjwt',
  'lua-resty-openidc': 'zmartzone/lua-resty-openidc',
  'smallrye-jwt': 'smallrye/smallrye-jwt',
  AutoGPT: 'Significant-Gravitas/AutoGPT',
};

/** The OWASP API Security Top 10 (2023) page of an entry: 0xa1-broken-object-level-authorization … 0xaa-unsafe-consumption-of-apis. */
function owaspApiUrl(n: number): string | undefined {
  const title = OWASP_API_TOP10[`API${n}:2023` as keyof typeof OWASP_API_TOP10];
  return title ? `https://owasp.org/API-Security/editions/2023/en/0xa${n.toString(16)}-${title.toLowerCase().replace(/ /g, '-')}/` : undefined;
}

const LINKERS: [RegExp, (m: RegExpMatchArray) => string | undefined][] = [
  [/^RFC (\d{4})(?: §(\d+(?:\.\d+)*))?/, (m) => `https://www.rfc-editor.org/rfc/rfc${m[1]}${m[2] ? `#section-${m[2]}` : ''}`],
  [/CVE-\d{4}-\d{4,}/, (m) => `https://nvd.nist.gov/vuln/detail/${m[0]}`],
  [/^CWE-(\d+)/, (m) => `https://cwe.mitre.org/data/definitions/${m[1]}.html`],
  [/GHSA(-[0-9a-z]{4}){3}/, (m) => `https://github.com/advisories/${m[0]}`],
  [/^([\w.-]+\/[\w.-]+)#(\d+)/, (m) => `https://github.com/${m[1]}/issues/${m[2]}`],
  [/^([\w.-]+)#(\d+)/, (m) => (REPOSITORIES[m[1]!] ? `https://github.com/${REPOSITORIES[m[1]!]}/issues/${m[2]}` : undefined)],
  [/^CAPEC-(\d+)/, (m) => `https://capec.mitre.org/data/definitions/${m[1]}.html`],
  [/^(?:OWASP )?API(\d+):2023/, (m) => owaspApiUrl(Number(m[1]))],
  [/^(OWASP )?ASVS/, () => 'https://github.com/OWASP/ASVS'],
  [/^OWASP JWT cheat sheet/, () => 'https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html'],
  [/^PortSwigger JWT lab/, () => 'https://portswigger.net/web-security/jwt'],
  [/^OIDC Core/, () => 'https://openid.net/specs/openid-connect-core-1_0.html'],
  [/^NIST SP 800-131A/, () => 'https://csrc.nist.gov/pubs/sp/800/131/a/r2/final'],
  [/^Wycheproof/, () => 'https://github.com/C2SP/wycheproof'],
  [/^jwt_tool/, () => 'https://github.com/ticarpi/jwt_tool/wiki'],
];

/** The address of a reference, when it has a stable one. */
export function referenceUrl(reference: string): string | undefined {
  for (const [pattern, link] of LINKERS) {
    const match = reference.match(pattern);
    if (match) return link(match);
  }
  return undefined;
}

/** A check's taxonomy entries as references: each CWE, each CAPEC, and the OWASP API Top 10 entry with its title. */
export function taxonomyReferences(t: Taxonomy): string[] {
  return [...t.cwe, ...t.capec, `OWASP ${t.owaspApi} ${OWASP_API_TOP10[t.owaspApi]}`];
}
