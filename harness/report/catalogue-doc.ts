// docs/checks.md, rendered from the catalogue the suites declare (harness/run/catalogue.ts): one
// section per family, one entry per check under an anchor that is its ID, so reports can link a
// check as docs/checks.md#SIG-ALG-NONE. Pure: the same catalogue always gives the same text, which
// is what lets a test hold the committed file to the suites.
import type { Family } from '../checks/model.js';
import { FAMILIES, SEVERITIES } from '../checks/model.js';
import type { CatalogueEntry } from '../checks/model.js';
import { RUN_SETTINGS } from '../checks/model.js';
import { referenceUrl, taxonomyReferences } from './references.js';

export const FAMILY_TITLES: Record<Family, string> = {
  CTL: 'Controls: the backend accepts valid Better Auth tokens',
  FMT: 'Token format and parsing',
  SIG: 'Signature and algorithm',
  KEY: 'Key material referenced from the header',
  CLM: 'Registered claims',
  XJWT: 'Cross-token confusion',
  JWKS: 'JWKS consumption, caching, rotation and outages',
  TRN: 'Bearer transport over HTTP',
  ERR: 'Error responses',
  DOS: 'Resource exhaustion',
  ISO: 'Per-user isolation',
  LIFE: 'Revocation and session lifecycle',
  INT: 'Interoperability',
  COV: 'Protected-route coverage',
};

/**
 * Markdown text: `<` cannot open HTML and `*`/`_` cannot start emphasis, outside code spans, which
 * the metadata uses on purpose (`pendingFetch`) and which Markdown shows literally anyway.
 */
function text(value: string): string {
  return value
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\\/g, '\\\\').replace(/</g, '&lt;').replace(/([*_[\]])/g, '\\$1')))
    .join('')
    .replace(/\r?\n/g, ' ');
}

function reference(ref: string): string {
  const url = referenceUrl(ref);
  return url ? `[${text(ref)}](${url})` : text(ref);
}

const familyAnchor = (family: Family) => `family-${family}`;

/**
 * The catalogue as Markdown. `repository`: docs/checks.md, which links the project's other documents;
 * `report`: the copy written beside a report (checks.md), of that report's checks, linking nothing
 * outside its directory but the references' own addresses.
 */
export function catalogueMarkdown(entries: readonly CatalogueEntry[], audience: 'repository' | 'report' = 'repository'): string {
  const families = FAMILIES.filter((f) => entries.some((e) => e.family === f));
  const bySeverity = SEVERITIES.map((s) => `${entries.filter((e) => e.severity === s).length} ${s}`).join(', ');
  const doc = (title: string, file: string) => (audience === 'repository' ? `[${title}](${file})` : `${title} (docs/${file.split('#')[0]} in the ba-conformance repository)`);
  const lines = [
    '# Check catalogue',
    '',
    ...(audience === 'repository'
      ? [
          '<!-- Generated from the suites\' metadata by `npm run docs:checks`; do not edit by hand (test/catalogue-doc.test.ts fails when it is out of date). -->',
          '',
          `${entries.length} checks in ${families.length} families (${bySeverity}). Every check's metadata is declared`,
          'beside its code in `suites/`; this file and `npx ba-conformance list` are both read from there. Each check',
          'has an anchor that is its ID (`docs/checks.md#SIG-ALG-NONE`); every report directory holds a copy of the',
          'entries of its checks (checks.md), which report.html, summary.md and report.sarif link to.',
        ]
      : [`The ${entries.length} checks of this report (${bySeverity}), as the version of ba-conformance that wrote it describes them. Each has an anchor that is its ID (\`checks.md#SIG-ALG-NONE\`).`]),
    '',
    'Severity: critical is forgery or impersonation, high a trust-boundary break or data exposure, medium',
    'availability, rotation or parsing, low hardening, info measured only. Verdicts are PASS, NON-STRICT, FAIL,',
    `INFO, SKIP and ERROR (see ${doc('how the suite judges', 'judging.md#verdicts-and-the-oracle')}).`,
    '',
    '| Family | | Checks |',
    '|---|---|---|',
    ...families.map((f) => `| [${f}](#${familyAnchor(f)}) | ${FAMILY_TITLES[f]} | ${entries.filter((e) => e.family === f).length} |`),
  ];
  for (const family of families) {
    const checks = entries.filter((e) => e.family === family);
    lines.push('', `<a id="${familyAnchor(family)}"></a>`, '', `## ${family}: ${FAMILY_TITLES[family]}`, '', '| ID | Severity | Title |', '|---|---|---|');
    for (const c of checks) lines.push(`| [${c.id}](#${c.id}) | ${c.severity} | ${text(c.title).replace(/\|/g, '\\|')} |`);
    for (const c of checks) {
      lines.push(
        '',
        `<a id="${c.id}"></a>`,
        '',
        `### ${c.id}`,
        '',
        `**${text(c.title)}**`,
        '',
        `- Severity: ${c.severity}`,
        `- Family: [${c.family}](#${familyAnchor(c.family)}) (${FAMILY_TITLES[c.family]})`,
        ...(c.needs?.length ? [`- Needs from the issuer: ${c.needs.join(', ')} (SKIP in a mode without them; see ${doc('issuer modes and capabilities', 'staging.md#issuer-modes-and-capabilities')})`] : []),
        ...(c.requires?.length ? [`- SKIP (and so in \`run --plan\`) when the run lacks what it needs: ${c.requires.map((r) => `"${RUN_SETTINGS[r].missing}"`).join(", ")}`] : []),
        ...(c.watchesAttacker ? ['- Observed at the attacker listener: a PASS needs a backend that can reach it (its JWKS fetches come over this machine\'s loopback; without fetches, the harness started it on loopback; or `attacker.publicUrl`); otherwise SKIP unless it fails'] : []),
        `- Requirement: ${text(c.requirement)}`,
        `- Expected: ${text(c.expected)}`,
        `- References: ${c.references.length ? c.references.map(reference).join(' · ') : 'none'}`,
        `- Weakness: ${taxonomyReferences(c.taxonomy).map(reference).join(' · ')}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
