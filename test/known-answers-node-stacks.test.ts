// Known answers of the Node fixture backends built on other libraries than the example's jose
// (fixtures/backends/node-stacks): Express with express-jwt and jwks-rsa, Passport with passport-jwt,
// Fastify with @fastify/jwt and get-jwks, and Hono's jwk middleware, each written as its library
// documents it and started from a bundle by its manifest command. Every FAIL they give is their
// library's (each expectation's `explains` says where), and findings that follow from another's cause
// are reported under it (`sameCause`).
import { describe, it } from 'vitest';
import { NODE_FIXTURE, expectKnownAnswer, fixtureCases } from './support/known-answers.js';

const cases = (await fixtureCases()).filter((c) => c.backend.language === 'node' && c.backend.name !== NODE_FIXTURE.name);

describe('known answers: Node fixtures of other libraries', { timeout: 240_000 }, () => {
  it.for(cases)('$label gives exactly its committed verdicts', async (c) => {
    await expectKnownAnswer(c);
  });
});
