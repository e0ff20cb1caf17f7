// Seeded fakers of the English locale, the only one the harness uses. Built from the locale's own entry:
// '@faker-js/faker' loads every locale (some 150 modules, 0.17 s of CPU in each process and each Vitest
// worker that imports it), and every run starts several.
import type { Faker, LocaleDefinition } from '@faker-js/faker';
import { faker as english } from '@faker-js/faker/locale/en';

const FakerClass = english.constructor as new (options: { locale: LocaleDefinition[]; seed?: number }) => Faker;

/** A faker of its own (concurrent users do not share a sequence), reproducible when seeded. */
export function englishFaker(seed?: number): Faker {
  return new FakerClass({ locale: [english.rawDefinitions], ...(seed === undefined ? {} : { seed }) });
}
