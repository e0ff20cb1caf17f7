// Where a check is described: docs/checks.md in this tool's repository, one anchor per check ID.
// Every report links a check there the same way, so one constant decides the address.

/** The generated catalogue, relative to the ba-conformance repository's root. */
export const CATALOGUE_FILE = 'docs/checks.md';

/** The catalogue entry of a check: `docs/checks.md#SIG-ALG-NONE`. */
export const catalogueLink = (id: string): string => `${CATALOGUE_FILE}#${id}`;
