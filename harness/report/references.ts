// Where a check's reference can be read: RFC sections, CVEs, CWEs, GitHub advisories and issues,
// OWASP and PortSwigger pages. A reference with no stable address stays plain text.

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

const OWASP_API_2023: Record<string, string> = {
  '1': '0xa1-broken-object-level-authorization',
  '2': '0xa2-broken-authentication',
  '3': '0xa3-broken-object-property-level-authorization',
  '4': '0xa4-unrestricted-resource-consumption',
  '5': '0xa5-broken-function-level-authorization',
  '8': '0xa8-security-misconfiguration',
  '9': '0xa9-improper-inventory-management',
};

const LINKERS: [RegExp, (m: RegExpMatchArray) => string | undefined][] = [
  [/^RFC (\d{4})(?: §(\d+(?:\.\d+)*))?/, (m) => `https://www.rfc-editor.org/rfc/rfc${m[1]}${m[2] ? `#section-${m[2]}` : ''}`],
  [/CVE-\d{4}-\d{4,}/, (m) => `https://nvd.nist.gov/vuln/detail/${m[0]}`],
  [/^CWE-(\d+)/, (m) => `https://cwe.mitre.org/data/definitions/${m[1]}.html`],
  [/GHSA(-[0-9a-z]{4}){3}/, (m) => `https://github.com/advisories/${m[0]}`],
  [/^([\w.-]+\/[\w.-]+)#(\d+)/, (m) => `https://github.com/${m[1]}/issues/${m[2]}`],
  [/^([\w.-]+)#(\d+)/, (m) => (REPOSITORIES[m[1]!] ? `https://github.com/${REPOSITORIES[m[1]!]}/issues/${m[2]}` : undefined)],
  [/^OWASP API(\d+):2023/, (m) => (OWASP_API_2023[m[1]!] ? `https://owasp.org/API-Security/editions/2023/en/${OWASP_API_2023[m[1]!]}/` : undefined)],
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
