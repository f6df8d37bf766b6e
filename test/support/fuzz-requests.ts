/**
 * Generators of hostile HTTP requests for the property-based fuzz suite (fast-check):
 * malformed and oversized bodies, every content type and encoding, duplicated and missing
 * parameters, dangerous URIs, forged forms, cookies and states, random tokens.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';

/** Put into inputs everywhere: if a response shows it unescaped in markup, it reflects input. */
export const CANARY = '<fz"\'x>';

export interface FuzzRequest {
  method: string;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body?: Buffer;
  /** What the generator meant to send, for the failure report. */
  note: string;
}

export interface FuzzFixtures {
  serverUrl: string;
  emulatorUrl: string;
  /** A registered public client and its redirect URI. */
  clientId: string;
  redirectUri: string;
  /** A valid access token (full flow done once in setup) and an open HTTP+SSE session id. */
  accessToken: string;
  sseSessionId: string;
}

const randomToken = fc.uint8Array({ minLength: 0, maxLength: 48 }).map((bytes) => Buffer.from(bytes).toString('base64url'));

/** Strings that have broken OAuth servers before, plus plain random text. */
function hostileString(f: FuzzFixtures): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(
      CANARY,
      `"><script>alert(1)</script>${CANARY}`,
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'http://evil.example/cb',
      'https://evil.example/',
      '//evil.example/cb',
      'http://127.0.0.1.evil.example/cb',
      `${f.redirectUri}/../../evil`,
      `${f.redirectUri}#frag`,
      `${f.redirectUri}?x=1`,
      f.redirectUri.replace('127.0.0.1', 'localhost'),
      f.redirectUri.toUpperCase(),
      f.redirectUri,
      f.clientId,
      `${f.clientId} `,
      '',
      ' ',
      '\u0000',
      '%00',
      '%',
      '\r\nSet-Cookie: x=1',
      '../../../../etc/passwd',
      'S256',
      'plain',
      'code',
      'token',
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'mcp:tools user.read',
      'openid offline_access',
      `${f.serverUrl}/`,
      `${f.serverUrl}/mcp`,
      'https://graph.microsoft.invalid/me',
      'https://evil.example/client.json',
      '1e309',
      '-1',
      '[]',
      '{}',
      'null',
      'true',
      'x'.repeat(5000),
      '🙂'.repeat(50),
    ) },
    { weight: 2, arbitrary: randomToken },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  );
}

/**
 * Parameters for an endpoint: each known name missing, present once or duplicated (with
 * hostile or plausible values), plus sometimes an unknown name.
 */
function parameters(f: FuzzFixtures, names: string[], plausible: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<[string, string][]> {
  const value = (name: string) => fc.oneof({ weight: 3, arbitrary: plausible[name] ?? hostileString(f) }, { weight: 2, arbitrary: hostileString(f) });
  const perName = names.map((name) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant([] as [string, string][]) },
      { weight: 5, arbitrary: value(name).map((v) => [[name, v]] as [string, string][]) },
      { weight: 1, arbitrary: fc.tuple(value(name), value(name)).map(([a, b]) => [[name, a], [name, b]] as [string, string][]) },
    ),
  );
  const extra = fc.oneof(fc.constant([] as [string, string][]), fc.tuple(fc.string({ maxLength: 10 }), hostileString(f)).map((p) => [p] as [string, string][]));
  return fc.tuple(fc.tuple(...perName), extra).map(([known, more]) => [...known.flat(), ...more]);
}

const CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'text/html',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded; charset=koi8-r',
  '*/*',
  'application/jsonl',
  '',
];

type Encoding = 'none' | 'gzip' | 'deflate' | 'br' | 'corrupt-gzip' | 'corrupt-br' | 'unknown' | 'double';

function encode(encoding: Encoding, body: Buffer): { body: Buffer; header?: string } {
  switch (encoding) {
    case 'none':
      return { body };
    case 'gzip':
      return { body: gzipSync(body), header: 'gzip' };
    case 'deflate':
      return { body: deflateSync(body), header: 'deflate' };
    case 'br':
      return { body: brotliCompressSync(body), header: 'br' };
    case 'corrupt-gzip':
      return { body: Buffer.concat([body, gzipSync(body).subarray(0, 5)]), header: 'gzip' };
    case 'corrupt-br':
      return { body: Buffer.concat([Buffer.from('xx'), body]), header: 'br' };
    case 'unknown':
      return { body, header: 'compress' };
    case 'double':
      return { body: gzipSync(gzipSync(body)), header: 'gzip, gzip' };
  }
}

/**
 * A body for `pairs`: as a form, as JSON (strings, arrays or wrong types), as random JSON or
 * bytes, under a random or fitting content type and encoding; sometimes over the size limit.
 */
function body(pairs: [string, string][]): fc.Arbitrary<{ body: Buffer; headers: Record<string, string>; note: string }> {
  const form = () => Buffer.from(new URLSearchParams(pairs).toString());
  const json = () => Buffer.from(JSON.stringify(Object.fromEntries(pairs)));
  const shape = fc.oneof(
    { weight: 5, arbitrary: fc.constant(['form', form()] as const) },
    { weight: 4, arbitrary: fc.constant(['json', json()] as const) },
    { weight: 1, arbitrary: fc.json().map((text) => ['random-json', Buffer.from(text)] as const) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ['bytes', Buffer.from(bytes)] as const) },
    { weight: 1, arbitrary: fc.constantFrom('{"a":', '{"__proto__":{"x":1}}', '[[[[[[[[[[[[[[[[[[[[', '%zz=%%', 'a=1&a=2&a[]=3&a[b]=4').map((text) => ['broken', Buffer.from(text)] as const) },
    { weight: 1, arbitrary: fc.constant(['oversized', Buffer.alloc(300 * 1024, 'a')] as const) },
  );
  const contentType = fc.oneof({ weight: 4, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) });
  const encoding = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Encoding>('none') },
    { weight: 3, arbitrary: fc.constantFrom<Encoding>('gzip', 'deflate', 'br', 'corrupt-gzip', 'corrupt-br', 'unknown', 'double') },
  );
  return fc.tuple(shape, contentType, encoding).map(([[kind, raw], type, enc]) => {
    const fitting = kind === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
    const encoded = encode(enc, raw);
    const headers: Record<string, string> = {};
    const finalType = type ?? fitting;
    if (finalType !== '') headers['content-type'] = finalType;
    if (encoded.header) headers['content-encoding'] = encoded.header;
    return { body: encoded.body, headers, note: `${kind} body as ${finalType || 'no content type'}, encoding ${enc}` };
  });
}

function cookies(f: FuzzFixtures): fc.Arbitrary<Record<string, string>> {
  const forged = fc.oneof(randomToken, hostileString(f), randomToken.map((t) => `${t}.${t}`), fc.constant(`s:${f.clientId}.AAAA`));
  return fc
    .subarray(['mcp_consent', 'mcp_browser', 'mcp_auth_state', '__Host-mcp_consent', '_interaction', '_session'])
    .chain((names) => fc.tuple(...names.map((name) => forged.map((value) => `${name}=${encodeURIComponent(value)}`))))
    .map((parts): Record<string, string> => (parts.length ? { cookie: parts.join('; ') } : {}));
}

const plausibleOAuth = (f: FuzzFixtures): Record<string, fc.Arbitrary<string>> => ({
  client_id: fc.constantFrom(f.clientId, 'unknown-client'),
  redirect_uri: fc.constantFrom(f.redirectUri, 'http://evil.example/cb', `${f.redirectUri}x`),
  response_type: fc.constantFrom('code', 'token', 'id_token code'),
  code_challenge: randomToken,
  code_challenge_method: fc.constantFrom('S256', 'plain'),
  grant_type: fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials', 'password'),
  resource: fc.constantFrom(`${f.serverUrl}/`, `${f.serverUrl}/mcp`, 'https://evil.example/'),
  scope: fc.constantFrom('mcp:tools', 'mcp:tools user.read', 'admin', ''),
  token_type_hint: fc.constantFrom('access_token', 'refresh_token', 'x'),
  decision: fc.constantFrom('allow', 'deny'),
});

function withQuery(method: string, path: string, pairs: [string, string][], note: string): FuzzRequest {
  return { method, path, query: pairs, headers: {}, note };
}

/** `GET /authorize`, `GET/POST /auth/consent`, `GET /auth/callback`: the browser-facing endpoints. */
export function browserRequests(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const p = plausibleOAuth(f);
  const authorize = parameters(f, ['response_type', 'client_id', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'state', 'scope', 'resource', 'prompt'], p).map((q) =>
    withQuery('GET', '/authorize', q, 'authorize'),
  );
  const consentPage = parameters(f, ['request'], p).map((q) => withQuery('GET', '/auth/consent', q, 'consent page'));
  const consentForm = parameters(f, ['request', 'csrf_token', 'decision'], p).chain((pairs) =>
    body(pairs).map((b) => ({ method: 'POST', path: '/auth/consent', query: [] as [string, string][], headers: b.headers, body: b.body, note: `forged consent form, ${b.note}` })),
  );
  const callback = parameters(f, ['code', 'state', 'error', 'error_description', 'iss', 'session_state'], p).map((q) => withQuery('GET', '/auth/callback', q, 'callback'));
  return fc
    .tuple(fc.oneof(authorize, consentPage, consentForm, callback), cookies(f))
    .map(([req, cookie]) => ({ ...req, headers: { ...req.headers, ...cookie } }));
}

/** `POST /register`, `/token`, `/revoke`: the JSON endpoints of OAuth clients. */
export function clientRequests(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const p = plausibleOAuth(f);
  const register = fc
    .record({
      redirect_uris: fc.oneof(fc.array(hostileString(f), { maxLength: 3 }), hostileString(f), fc.constant(undefined)),
      client_name: fc.oneof(hostileString(f), fc.integer(), fc.constant(undefined)),
      token_endpoint_auth_method: fc.oneof(fc.constantFrom('none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt'), hostileString(f), fc.constant(undefined)),
      grant_types: fc.oneof(fc.constantFrom(['authorization_code'], ['authorization_code', 'refresh_token'], ['implicit'], 'authorization_code'), fc.constant(undefined)),
      response_types: fc.oneof(fc.constantFrom(['code'], ['token'], []), fc.constant(undefined)),
      scope: fc.oneof(hostileString(f), fc.constant(undefined)),
      client_uri: fc.oneof(hostileString(f), fc.constant(undefined)),
      logo_uri: fc.oneof(hostileString(f), fc.constant(undefined)),
      jwks_uri: fc.oneof(fc.constantFrom('http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:6379/'), fc.constant(undefined)),
    }, { requiredKeys: [] })
    .chain((metadata) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constant({ body: Buffer.from(JSON.stringify(metadata)), headers: { 'content-type': 'application/json' }, note: 'registration metadata' }) },
        { weight: 1, arbitrary: body(Object.entries(metadata).map(([k, v]) => [k, String(v)] as [string, string])) },
      ),
    )
    .map((b) => ({ method: 'POST', path: '/register', query: [] as [string, string][], headers: b.headers, body: b.body, note: `register: ${b.note}` }));
  const tokenLike = (path: string, names: string[]) =>
    parameters(f, names, p).chain((pairs) =>
      fc.tuple(body(pairs), fc.oneof(fc.constant({}), fc.constantFrom('Basic ' + Buffer.from(`${f.clientId}:x`).toString('base64'), 'Basic !!!', 'Bearer x').map((a) => ({ authorization: a })))).map(([b, auth]) => ({
        method: 'POST',
        path,
        query: [] as [string, string][],
        headers: { ...b.headers, ...auth },
        body: b.body,
        note: `${path}: ${b.note}`,
      })),
    );
  const token = tokenLike('/token', ['grant_type', 'code', 'code_verifier', 'redirect_uri', 'client_id', 'client_secret', 'refresh_token', 'resource', 'scope']);
  const revoke = tokenLike('/revoke', ['token', 'token_type_hint', 'client_id', 'client_secret']);
  return fc.oneof(register, token, revoke);
}

const PROTOCOL_VERSIONS = ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '1999-01-01', ''];

/** `/mcp` (both protocol eras), `/sse` and `/messages`, with and without a valid token. */
export function mcpRequests(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const id = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.constant(undefined), fc.double());
  const method = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('initialize', 'tools/list', 'tools/call', 'ping', 'server/discover', 'notifications/initialized', 'resources/list', 'logging/setLevel') },
    { weight: 1, arbitrary: hostileString(f) },
  );
  const meta2026 = fc.record({
    'io.modelcontextprotocol/protocolVersion': fc.constantFrom(...PROTOCOL_VERSIONS),
    'io.modelcontextprotocol/clientInfo': fc.oneof(fc.constant({ name: 'fuzz', version: '1' }), fc.constant(CANARY)),
    'io.modelcontextprotocol/clientCapabilities': fc.oneof(fc.constant({}), fc.constant(null)),
  }, { requiredKeys: [] });
  const params = fc.oneof(
    fc.constant(undefined),
    fc.record({ name: fc.constantFrom('whoami', 'get_user_name', 'get_user_profile', CANARY), arguments: fc.oneof(fc.constant({}), fc.object({ maxDepth: 2 })) }, { requiredKeys: [] }),
    fc.record({ protocolVersion: fc.constantFrom(...PROTOCOL_VERSIONS), capabilities: fc.constant({}), clientInfo: fc.constant({ name: 'fuzz', version: '1' }) }, { requiredKeys: [] }),
    meta2026.map((_meta) => ({ name: 'whoami', arguments: {}, _meta })),
    fc.object({ maxDepth: 2 }),
  );
  const message = fc.record({ jsonrpc: fc.constantFrom('2.0', '2.0', '1.0'), id, method, params }, { requiredKeys: [] });
  const payload = fc.oneof(
    { weight: 6, arbitrary: message.map((m) => ({ body: Buffer.from(JSON.stringify(m)), headers: { 'content-type': 'application/json' }, note: `JSON-RPC ${String(m.method)}` })) },
    { weight: 1, arbitrary: fc.array(message, { maxLength: 3 }).map((batch) => ({ body: Buffer.from(JSON.stringify(batch)), headers: { 'content-type': 'application/json' }, note: 'batch' })) },
    { weight: 2, arbitrary: body([['jsonrpc', '2.0'], ['method', 'ping']]) },
  );
  const auth = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ authorization: `Bearer ${f.accessToken}` }) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: randomToken.map((t) => ({ authorization: `Bearer ${t}` })) },
    { weight: 1, arbitrary: fc.constantFrom('Basic eDp5', 'Bearer', `bearer ${f.accessToken}`, `Bearer ${f.accessToken} extra`, `Bearer ${CANARY}`).map((a) => ({ authorization: a })) },
  );
  const mcpHeaders = fc.record({
    accept: fc.constantFrom('application/json, text/event-stream', 'application/json', 'text/event-stream', '*/*', 'text/html'),
    'mcp-protocol-version': fc.constantFrom(...PROTOCOL_VERSIONS),
    'mcp-session-id': fc.oneof(randomToken, fc.constant(f.sseSessionId), fc.constant(CANARY)),
    'mcp-method': method,
    'mcp-name': fc.constantFrom('whoami', CANARY),
    origin: fc.constantFrom(f.serverUrl, 'https://evil.example', 'null'),
    host: fc.constantFrom(new URL(f.serverUrl).host, 'evil.example', `127.0.0.1:${new URL(f.serverUrl).port}`),
  }, { requiredKeys: [] });
  const post = (path: string, query: fc.Arbitrary<[string, string][]>) =>
    fc.tuple(payload, auth, mcpHeaders, query).map(([b, a, h, q]) => ({ method: 'POST', path, query: q, headers: { ...h, ...b.headers, ...a }, body: b.body, note: `${path}: ${b.note}` }));
  const sessionQuery = fc.oneof(
    fc.constant([['sessionId', f.sseSessionId]] as [string, string][]),
    randomToken.map((t) => [['sessionId', t]] as [string, string][]),
    fc.constant([] as [string, string][]),
    fc.constant([['sessionId', f.sseSessionId], ['sessionId', 'x']] as [string, string][]),
  );
  const noBody = (httpMethod: string, path: string) =>
    fc.tuple(auth, mcpHeaders).map(([a, h]) => ({ method: httpMethod, path, query: [] as [string, string][], headers: { ...h, ...a }, note: `${httpMethod} ${path}` }));
  return fc.oneof(
    { weight: 5, arbitrary: post('/mcp', fc.constant([])) },
    { weight: 3, arbitrary: post('/messages', sessionQuery) },
    { weight: 1, arbitrary: noBody('GET', '/mcp') },
    { weight: 1, arbitrary: noBody('DELETE', '/mcp') },
    { weight: 1, arbitrary: noBody('GET', '/sse') },
    { weight: 1, arbitrary: fc.tuple(randomToken, mcpHeaders).map(([t, h]) => ({ method: 'GET', path: '/sse', query: [['access_token', t]] as [string, string][], headers: h, note: 'GET /sse with a token in the query' })) },
  );
}

/** The emulator's Entra and Graph endpoints (its own origin). */
export function emulatorRequests(f: FuzzFixtures, tenantId: string, emulatorClientId: string): fc.Arbitrary<FuzzRequest> {
  const callback = `${f.serverUrl}/auth/callback`;
  const p: Record<string, fc.Arbitrary<string>> = {
    client_id: fc.constantFrom(emulatorClientId, 'unknown'),
    redirect_uri: fc.constantFrom(callback, 'http://evil.example/cb', `${callback}x`),
    response_type: fc.constantFrom('code', 'token'),
    scope: fc.constantFrom('openid profile offline_access User.Read', 'openid', ''),
    code_challenge_method: fc.constantFrom('S256', 'plain'),
    grant_type: fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials'),
  };
  const base = `/${tenantId}`;
  const authorize = parameters(f, ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'response_mode'], p).map((q) =>
    withQuery('GET', `${base}/oauth2/v2.0/authorize`, q, 'emulator authorize'),
  );
  const token = parameters(f, ['grant_type', 'code', 'code_verifier', 'redirect_uri', 'client_id', 'refresh_token', 'scope'], p).chain((pairs) =>
    body(pairs).map((b) => ({ method: 'POST', path: `${base}/oauth2/v2.0/token`, query: [] as [string, string][], headers: b.headers, body: b.body, note: `emulator token: ${b.note}` })),
  );
  const interaction = fc.tuple(randomToken, fc.boolean()).chain(([uid, login]) =>
    body([['user', CANARY]]).map((b) => ({
      method: login ? 'POST' : 'GET',
      path: `${base}/oauth2/v2.0/interaction/${uid || 'x'}${login ? '/login' : ''}`,
      query: [] as [string, string][],
      headers: login ? b.headers : {},
      body: login ? b.body : undefined,
      note: 'emulator interaction',
    })),
  );
  const others = fc.constantFrom(
    `${base}/v2.0/.well-known/openid-configuration`,
    `${base}/discovery/v2.0/keys`,
    `${base}/oauth2/v2.0/logout`,
    '/common/oauth2/v2.0/authorize',
    '/v1.0/me',
    `/v1.0/${CANARY}`,
    '/nothing',
  ).chain((path) => fc.tuple(fc.constantFrom('GET', 'POST'), fc.oneof(fc.constant({}), randomToken.map((t) => ({ authorization: `Bearer ${t}` })))).map(([m, h]) => ({ method: m, path, query: [] as [string, string][], headers: h, note: `emulator ${path}` })));
  return fc.tuple(fc.oneof(authorize, token, interaction, others), cookies(f)).map(([req, c]) => ({ ...req, headers: { ...req.headers, ...c } }));
}
