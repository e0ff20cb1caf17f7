// The checks suites/jwks.suite.ts holds, as --only / --skip prefixes (the KEY-* two need a crafted
// JWKS; DOS-VERIFY-FLOOD a backend to itself): the runner leaves out that project, its worker and its
// labs, when a selection holds none of them (harness/run/projects.ts). test/catalogue-doc.test.ts holds the list to exactly that project's checks.
export const JWKS_SUITE_CHECKS = ['JWKS-', 'KEY-KID-DECOY', 'KEY-KID-ABSENT-MULTI', 'DOS-VERIFY-FLOOD'];
