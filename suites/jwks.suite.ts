// JWKS consumption, caching, rotation and outages (docs/checks.md#family-JWKS, and KEY-KID-ABSENT-MULTI and
// KEY-KID-DECOY, which need a JWKS of the suite's making, and DOS-VERIFY-FLOOD, which needs a backend to
// itself). The suite owns the JWKS server: it rotates and removes keys, breaks the endpoint on purpose,
// and counts the backend's fetches in the issuer's log, so every verdict carries a measured value. The
// checks live in suites/jwks/, one file per concern, with their instruments in suites/jwks/lab.ts.
//
// When the harness starts the backend, each check (or group sharing one measurement) gets a lab: an
// issuer and a backend of its own (harness/run/labs.ts), and the checks run side by side, the
// longest first. Otherwise they run one at a time after every other family, on the run's issuer
// and backend. Either way each leaves its backend as it found it: no fault, the current key accepted.
import { inject } from 'vitest';
import { family } from '../harness/checks/suite.js';
import type { ProvidedRun } from '../harness/checks/suite.js';
import './jwks/caching.js';
import './jwks/rotation.js';
import './jwks/revocation.js';
import './jwks/kid-miss.js';
import './jwks/outage.js';
import './jwks/key-set.js';
import './jwks/flood.js';
import './jwks/cross-issuer.js';
import { JWKS_CHECKS, runJwksCheck } from './jwks/lab.js';

const { check, persistenceProbe } = family('JWKS', { labs: true, restsOnSignatures: true, timelines: true });

// Absent when the catalogue is read without a run (`list`): nothing to order then.
const run = inject('conformance') as ProvidedRun | undefined;
const groupOf = (id: string) => JWKS_CHECKS.find((d) => d.meta.id === id)!.options.labGroup ?? id;
/** A group's expected seconds: its checks run one after another in one lab. */
const groupEstimate = new Map<string, number>();
for (const d of JWKS_CHECKS) groupEstimate.set(groupOf(d.meta.id), (groupEstimate.get(groupOf(d.meta.id)) ?? 0) + (run ? (d.options.estimateS?.(run.jwks) ?? 1) : 1));
const estimateOf = (id: string) => groupEstimate.get(groupOf(id))!;
// In labs, the longest groups are asked for first (a group's checks stay together, in file order).
const order = run?.labs ? [...JWKS_CHECKS].sort((a, b) => estimateOf(b.meta.id) - estimateOf(a.meta.id)) : JWKS_CHECKS;

for (const definition of order) {
  const { meta, options } = definition;
  check(meta, (t) => runJwksCheck(definition, t), {
    ...(options.gated !== undefined ? { gated: options.gated } : {}),
    ...(options.explains ? { explains: options.explains } : {}),
    ...(options.causes ? { causes: options.causes } : {}),
    ...(options.spendsLab ? { spendsLab: true } : {}),
    ...(options.timelineBound ? { timelineBound: options.timelineBound } : {}),
    labGroup: groupOf(meta.id),
    estimateS: estimateOf(meta.id),
  });
}

persistenceProbe();
