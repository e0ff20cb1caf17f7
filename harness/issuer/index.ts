// The issuers a run can use: the public surface of harness/issuer. Each mode has its own module and
// started type: the harness's Better Auth (start.ts → Issuer, process or container) and a team's own
// (external.ts → ExternalIssuer); both implement IssuerHandle, and capabilities.ts says what each provides.
export { startIssuer } from './start.js';
export { Issuer } from './issuer.js';
export type { IssuerConnection } from './issuer.js';
export { ExternalIssuer, DEFAULT_BASE_PATH } from './external.js';
export type { ExternalAccount, ExternalIssuerConnection, ExternalIssuerOptions, PublishedKey } from './external.js';
export { connectIssuer } from './connect.js';
export type { AnyIssuerConnection } from './connect.js';
export type { IssuerHandle, IssuerUser } from './handle.js';
export { CAPABILITIES, CAPABILITY_INFO, ISSUER_MODE_NAMES, CapabilityMissing, IssuerFeatureDisabled, externalCapabilities, harnessCapabilities, missingNeeds, skipReason } from './capabilities.js';
export type { Capability, IssuerModeName, IssuerProfile } from './capabilities.js';
export { ISSUER_MODES } from './options.js';
export type { IssuerMode, IssuerOptions } from './options.js';
export { ISSUER_ALGORITHMS, KEY_PAIR_ALGORITHMS, SHARED_SECRET_ALG } from './protocol.js';
export type { IssuerAlgorithm, JwksFault, JwksFaultKind, JwksFetch, KeyInfo, SignRequest, SignResponse } from './protocol.js';
export { probeDocker } from './docker.js';
