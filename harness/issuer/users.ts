// Faker-generated sign-up data. Names and emails come from a seed (the same seed gives the same
// users in the same order, which helps when a finding is investigated); passwords come from the
// operating system's randomness, so nothing in a report (the seed included) lets anyone sign in as
// a user a run signed up.
import { randomBytes } from 'node:crypto';
import type { Faker } from '@faker-js/faker';
import { englishFaker } from '../faker.js';

export interface UserProfile {
  name: string;
  email: string;
  password: string;
}

/** 24 random bytes as base64url: 32 characters, inside Better Auth's 8-128. */
export const randomPassword = (): string => randomBytes(24).toString('base64url');

export class UserFactory {
  private readonly faker: Faker;
  private count = 0;

  constructor(readonly seed: number) {
    this.faker = englishFaker(seed);
  }

  next(): UserProfile {
    const index = ++this.count;
    const firstName = this.faker.person.firstName();
    const lastName = this.faker.person.lastName();
    // The index keeps emails unique on one issuer even when Faker repeats a name.
    const email = this.faker.internet
      .email({ firstName, lastName, provider: 'example.test', allowSpecialCharacters: false })
      .toLowerCase()
      .replace('@', `.${index}@`);
    return { name: `${firstName} ${lastName}`, email, password: randomPassword() };
  }
}
