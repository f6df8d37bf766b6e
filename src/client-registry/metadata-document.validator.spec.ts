import { clientIdUrlProblem, isMetadataDocumentClientId, metadataDocumentHost } from './client-id-url';
import { validateMetadataDocument } from './metadata-document.validator';

const URL_ID = 'https://client.example.com/oauth/client-metadata.json';

function doc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: URL_ID,
    client_name: 'Example MCP client',
    redirect_uris: ['http://127.0.0.1:6276/oauth/callback', 'https://client.example.com/cb'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...overrides,
  };
}

function problemOf(json: unknown): string {
  const result = validateMetadataDocument(URL_ID, json);
  if (result.ok) throw new Error('expected the document to be refused');
  return result.problem;
}

describe('client metadata document validation (draft-ietf-oauth-client-id-metadata-document §4, MCP authorization)', () => {
  it('turns a valid document into a public client that names the document host', () => {
    const result = validateMetadataDocument(URL_ID, doc({ client_uri: 'https://client.example.com', logo_uri: 'https://client.example.com/logo.png' }), 1_700_000_000_000);
    expect(result).toEqual({
      ok: true,
      client: expect.objectContaining({
        client_id: URL_ID,
        client_name: 'Example MCP client',
        redirect_uris: ['http://127.0.0.1:6276/oauth/callback', 'https://client.example.com/cb'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        client_uri: 'https://client.example.com',
        metadata_document_host: 'client.example.com',
        client_id_issued_at: 1_700_000_000,
      }),
    });
  });

  it('defaults to a public client with both grants, ignores grant types this server does not offer and fields it does not know', () => {
    const result = validateMetadataDocument(URL_ID, {
      client_id: URL_ID,
      redirect_uris: ['https://client.example.com/cb'],
      grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
      jwks_uri: 'https://client.example.com/jwks',
      tos_uri: 'https://client.example.com/tos',
    });
    expect(result.ok && result.client).toMatchObject({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] });
    expect(validateMetadataDocument(URL_ID, doc({ grant_types: undefined })).ok && true).toBe(true);
  });

  it('requires client_id to equal the URL exactly (simple string comparison)', () => {
    expect(problemOf(doc({ client_id: 'https://client.example.com/oauth/other.json' }))).toMatch(/client_id in the document is not exactly the URL/);
    expect(problemOf(doc({ client_id: 'https://CLIENT.example.com/oauth/client-metadata.json' }))).toMatch(/not exactly the URL/);
    expect(problemOf(doc({ client_id: `${URL_ID}/` }))).toMatch(/not exactly the URL/);
    expect(problemOf(doc({ client_id: undefined }))).toMatch(/client_id is missing/);
  });

  it('requires redirect_uris, each allowed by the registration policy', () => {
    expect(problemOf(doc({ redirect_uris: undefined }))).toMatch(/redirect_uris is missing/);
    expect(problemOf(doc({ redirect_uris: [] }))).toMatch(/redirect_uris is empty/);
    expect(problemOf(doc({ redirect_uris: ['http://client.example.com/cb'] }))).toMatch(/one of its redirect_uris must use https/);
    expect(problemOf(doc({ redirect_uris: ['javascript:alert(1)'] }))).toMatch(/redirect_uris/);
    expect(problemOf(doc({ redirect_uris: ['https://client.example.com/cb#x'] }))).toMatch(/fragment/);
  });

  it('refuses secrets and shared-secret authentication; refuses private_key_jwt clearly (not supported)', () => {
    expect(problemOf(doc({ client_secret: 'abc' }))).toMatch(/client secret/);
    expect(problemOf(doc({ token_endpoint_auth_method: 'client_secret_basic' }))).toMatch(/cannot use a shared secret/);
    expect(problemOf(doc({ token_endpoint_auth_method: 'client_secret_post' }))).toMatch(/cannot use a shared secret/);
    expect(problemOf(doc({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example.com/jwks' }))).toMatch(
      /private_key_jwt client authentication, which this server does not support/,
    );
    expect(problemOf(doc({ token_endpoint_auth_method: 'tls_client_auth' }))).toMatch(/not supported/);
  });

  it('treats names and URIs as untrusted: control and bidi-override characters and non-https URIs are refused', () => {
    expect(problemOf(doc({ client_name: 'Good\u202Eevil' }))).toMatch(/client_name must not contain control or bidirectional-override/);
    expect(problemOf(doc({ client_name: 'x'.repeat(101) }))).toMatch(/client_name must be at most 100/);
    expect(problemOf(doc({ logo_uri: 'javascript:alert(1)' }))).toMatch(/logo_uri: must be an https URL/);
    expect(problemOf(doc({ client_uri: 'http://client.example.com' }))).toMatch(/client_uri: must be an https URL/);
  });

  it('refuses what is not a JSON object, and documents without the authorization code flow', () => {
    expect(problemOf([doc()])).toMatch(/not a JSON object/);
    expect(problemOf('text')).toMatch(/not a JSON object/);
    expect(problemOf(null)).toMatch(/not a JSON object/);
    expect(problemOf(doc({ grant_types: ['client_credentials'] }))).toMatch(/grant_types do not include authorization_code/);
    expect(problemOf(doc({ response_types: ['token'] }))).toMatch(/response_types do not include code/);
  });
});

describe('client_id URLs (draft-ietf-oauth-client-id-metadata-document §3)', () => {
  it('recognises URL client ids; registered client ids are UUIDs', () => {
    expect(isMetadataDocumentClientId(URL_ID)).toBe(true);
    expect(isMetadataDocumentClientId('http://localhost:3000/client.json')).toBe(true);
    expect(isMetadataDocumentClientId('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(false);
  });

  it('names the document host of a client id without fetching anything (for pages listing grants)', () => {
    expect(metadataDocumentHost(URL_ID)).toBe('client.example.com');
    expect(metadataDocumentHost('https://Client.Example.com:8443/c.json')).toBe('client.example.com:8443');
    expect(metadataDocumentHost('0f8fad5b-d9cb-469f-a165-70867728950e')).toBeUndefined();
    expect(metadataDocumentHost('https://')).toBeUndefined();
  });

  it.each([URL_ID, 'https://client.example.com:8443/c', 'https://client.example.com/c?v=1', 'https://[2001:4860::1]/client.json'])('accepts %s', (url) => {
    expect(clientIdUrlProblem(url, false)).toBeNull();
  });

  it.each([
    ['http://client.example.com/client.json', /does not use https/],
    ['http://localhost:3000/client.json', /does not use https/],
    ['https://client.example.com', /has no path/],
    ['https://client.example.com/', /has no path/],
    ['https://client.example.com/a/../client.json', /dot segments \(\. or \.\.\) in its path/],
    ['https://client.example.com/./client.json', /dot segments/],
    ['https://client.example.com/a/%2e%2E/client.json', /dot segments/],
    ['https://client.example.com/client.json#x', /fragment/],
    ['https://user:pw@client.example.com/client.json', /user credentials/],
    ['https://client.example.com/a b', /whitespace/],
    [`https://client.example.com/${'a'.repeat(1000)}`, /longer than/],
    ['https://', /not a valid URL/],
  ])('refuses %s', (url, reason) => {
    expect(clientIdUrlProblem(url, false)).toMatch(reason);
  });

  it('lets http through only for a loopback host and only with CIMD_ALLOW_LOOPBACK', () => {
    expect(clientIdUrlProblem('http://localhost:3000/client.json', true)).toBeNull();
    expect(clientIdUrlProblem('http://127.0.0.1:3000/client.json', true)).toBeNull();
    expect(clientIdUrlProblem('http://[::1]:3000/client.json', true)).toBeNull();
    expect(clientIdUrlProblem('http://client.example.com/client.json', true)).toMatch(/does not use https/);
  });
});
