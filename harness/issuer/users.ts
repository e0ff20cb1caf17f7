// Faker-generated sign-up data, reproducible from a seed: the same seed gives the same users in
// the same order, so a run's users can be recreated when a finding is investigated.
import { Faker, en } from '@faker-js/faker';

export interface UserProfile {
  name: string;
  email: string;
  password: string;
}

export class UserFactory {
  private readonly faker: Faker;
  private count = 0;

  constructor(readonly seed: number) {
    this.faker = new Faker({ locale: [en], seed });
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
    return { name: `${firstName} ${lastName}`, email, password: this.faker.internet.password({ length: 24 }) };
  }
}
