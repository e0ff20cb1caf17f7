// The issuer the harness controls: the public surface of harness/issuer.
export { startIssuer } from './start.js';
export { Issuer } from './issuer.js';
export type { IssuerUser } from './issuer.js';
export { ISSUER_MODES } from './options.js';
export type { IssuerMode, IssuerOptions } from './options.js';
export { ISSUER_ALGORITHMS } from './protocol.js';
export type { IssuerAlgorithm, JwksFault, JwksFaultKind, JwksFetch, KeyInfo, SignRequest, SignResponse } from './protocol.js';
export { probeDocker } from './docker.js';
