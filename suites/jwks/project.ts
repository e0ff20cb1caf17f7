// The checks suites/jwks.suite.ts holds, as --only / --skip prefixes (the KEY-* three need a crafted
// JWKS or a key of their own making; DOS-VERIFY-FLOOD a backend to itself): the runner leaves out that project, its worker and its
// labs, when a selection holds none of them (harness/run/projects.ts). test/catalogue-doc.test.ts holds the list to exactly that project's checks.
export const JWKS_SUITE_CHECKS = ['JWKS-', 'KEY-KID-DECOY', 'KEY-KID-ABSENT-MULTI', 'KEY-KID-CROSS-ISSUER', 'DOS-VERIFY-FLOOD'];
