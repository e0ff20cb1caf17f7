// Reading a backend's OpenAPI document into operations the coverage checks call: which ones are
// bearer-protected, and a request for each built from its schemas. Served by a real loopback server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAPIV3 } from 'openapi-types';
import { loadOperations, operationsOf } from '../harness/openapi/operations.js';

const doc = (extra: Partial<OpenAPIV3.Document>): OpenAPIV3.Document => ({
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'Bearer' },
      oauth: { type: 'oauth2', flows: {} },
      key: { type: 'apiKey', in: 'header', name: 'x-api-key' },
    },
  },
  paths: {},
  ...extra,
});

describe('operationsOf', () => {
  it('tells bearer-protected operations from public ones and those guarded by something else', () => {
    const { operations: ops } = operationsOf(
      doc({
        security: [{ bearer: [] }],
        paths: {
          '/inherits': { get: { responses: {} } },
          '/public': { get: { security: [], responses: {} } },
          '/optional': { get: { security: [{ bearer: [] }, {}], responses: {} } },
          '/oauth': { get: { security: [{ oauth: ['read'] }], responses: {} } },
          '/key': { get: { security: [{ key: [] }], responses: {} } },
          '/either': { get: { security: [{ bearer: [] }, { key: [] }], responses: {} } },
          '/both': { get: { security: [{ bearer: [], key: [] }], responses: {} } },
        },
      }),
    );
    expect(Object.fromEntries(ops.map((op) => [op.template, op.protection]))).toEqual({
      '/inherits': 'bearer',
      '/public': 'none',
      '/optional': 'none',
      '/oauth': 'bearer',
      '/key': 'other',
      '/either': 'other',
      '/both': 'other',
    });
  });

  it('builds a request from the schemas: path parameters, required query and headers, a JSON body, the server base path', () => {
    const {
      operations: [op],
    } = operationsOf(
      doc({
        servers: [{ url: 'https://{host}/{version}/', variables: { host: { default: 'api.example.test' }, version: { default: 'v2' } } }],
        paths: {
          '/orgs/{org}/items/{id}': {
            parameters: [{ name: 'org', in: 'path', required: true, schema: { type: 'integer' } }],
            put: {
              parameters: [
                { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
                { name: 'dryRun', in: 'query', required: true, schema: { type: 'boolean' } },
                { name: 'page', in: 'query', schema: { type: 'integer' } },
                { name: 'X-Tenant', in: 'header', required: true, example: 'acme' },
              ],
              requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['title'], properties: { title: { type: 'string' }, id: { type: 'string', readOnly: true } } } } } },
              responses: {},
            },
          },
        },
      }),
    );
    expect(op).toMatchObject({ method: 'PUT', template: '/v2/orgs/{org}/items/{id}', headers: { 'x-tenant': 'acme' }, body: { title: 'string' }, protection: 'none' });
    expect(op!.path).toMatch(/^\/v2\/orgs\/0\/items\/[0-9a-f-]{36}\?dryRun=true$/);
  });
});

describe('loadOperations', () => {
  const documents = new Map<string, { status: number; body: string }>();
  const server = createServer((req, res) => {
    const found = documents.get(req.url ?? '');
    res.writeHead(found?.status ?? 404).end(found?.body ?? 'not found');
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches a YAML document and resolves its $refs', async () => {
    documents.set('/openapi.yaml', {
      status: 200,
      body: [
        'openapi: 3.0.3',
        'info: {title: t, version: "1"}',
        'security: [{jwt: []}]',
        'components:',
        '  securitySchemes: {jwt: {$ref: "#/components/x-schemes/jwt"}}',
        '  x-schemes: {jwt: {type: http, scheme: bearer}}',
        '  parameters: {id: {name: id, in: path, required: true, schema: {type: integer, example: 42}}}',
        'paths:',
        '  /things/{id}:',
        '    get: {parameters: [{$ref: "#/components/parameters/id"}], responses: {"200": {description: ok}}}',
      ].join('\n'),
    });
    const ops = await loadOperations({ url: `${base}/openapi.yaml` }, 2_000);
    expect(ops).toEqual([{ method: 'GET', template: '/things/{id}', path: '/things/42', headers: {}, protection: 'bearer' }]);
  });

  it('says what is wrong with a document that is not OpenAPI 3, or not there', async () => {
    documents.set('/swagger.json', { status: 200, body: JSON.stringify({ swagger: '2.0', paths: {} }) });
    await expect(loadOperations({ url: `${base}/swagger.json` }, 2_000)).rejects.toThrow(/not an OpenAPI 3\.x document.*Swagger 2\.0/);
    await expect(loadOperations({ url: `${base}/missing.json` }, 2_000)).rejects.toThrow(/answered 404/);
  });
});
