import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from './config-store';
import { ConsoleOAuthProvider, SignInRequiredError } from './oauth-provider';

const SERVER = 'http://localhost:8000';

describe('ConsoleOAuthProvider', () => {
  let dir: string;
  let store: ConfigStore;
  let now: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'client-provider-'));
    store = new ConfigStore(dir);
    now = 1_700_000_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const provider = (events = {}) => new ConsoleOAuthProvider(store, SERVER, events, () => now);

  it('registers as "MCP Console Client", a native application and public client with the loopback callback of the sign-in in progress', () => {
    const p = provider();
    p.useCallback('http://127.0.0.1:50123/callback');
    expect(p.clientMetadata).toEqual(
      expect.objectContaining({
        application_type: 'native',
        client_name: 'MCP Console Client',
        redirect_uris: ['http://127.0.0.1:50123/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }),
    );
  });

  it('stores the registration with its callback port, and keeps that port for a re-registration', () => {
    const registered = jest.fn();
    const p = provider({ registered });
    p.useCallback('http://127.0.0.1:50123/callback');
    p.saveClientInformation({ client_id: 'c1', redirect_uris: ['http://127.0.0.1:50123/callback'], issuer: SERVER });
    p.useCallback(undefined);
    expect(registered).toHaveBeenCalledTimes(1);
    expect(p.registeredInThisProcess()).toBe(true);

    const later = provider();
    expect(later.registeredCallbackPort()).toBe(50123);
    later.invalidateCredentials('client');
    expect(later.clientInformation()).toBeUndefined();
    expect(later.redirectUrl).toBe('http://127.0.0.1:50123/callback');
  });

  it('refuses to register without a callback listener or a known redirect URI (only a sign-in may)', () => {
    expect(() => provider().saveClientInformation({ client_id: 'c1' })).toThrow(SignInRequiredError);
  });

  it('does not report a new registration when the SDK only stamps the issuer on the stored one', () => {
    const registered = jest.fn();
    const p = provider({ registered });
    p.useCallback('http://127.0.0.1:50123/callback');
    p.saveClientInformation({ client_id: 'c1', redirect_uris: ['http://127.0.0.1:50123/callback'] });
    p.saveClientInformation({ client_id: 'c1', redirect_uris: ['http://127.0.0.1:50123/callback'], issuer: SERVER });
    expect(registered).toHaveBeenCalledTimes(1);
  });

  it('records when the access token expires and treats it as expired 30 s early', () => {
    const p = provider();
    p.saveTokens({ access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt' });
    expect(provider().entrySnapshot().tokens?.expires_at).toBe(now / 1000 + 3600);
    expect(p.accessTokenExpired()).toBe(false);
    now += (3600 - 29) * 1000;
    expect(p.accessTokenExpired()).toBe(true);
  });

  it('keeps tokens without expires_in as never expiring locally (the server says when)', () => {
    const p = provider();
    p.saveTokens({ access_token: 'at', token_type: 'Bearer' });
    now += 10 * 365 * 24 * 3600 * 1000;
    expect(p.accessTokenExpired()).toBe(false);
  });

  it('forgets tokens with the registration, keeps the registration when only tokens go', () => {
    const p = provider();
    p.useCallback('http://127.0.0.1:50123/callback');
    p.saveClientInformation({ client_id: 'c1', redirect_uris: ['http://127.0.0.1:50123/callback'] });
    p.saveTokens({ access_token: 'at', token_type: 'Bearer' });
    expect(provider().hasStoredSignIn()).toBe(true);
    p.invalidateCredentials('tokens');
    expect(provider().clientInformation()?.client_id).toBe('c1');
    expect(provider().hasStoredSignIn()).toBe(false);
    p.saveTokens({ access_token: 'at', token_type: 'Bearer' });
    p.invalidateCredentials('client');
    expect(provider().tokens()).toBeUndefined();
  });

  it('keeps the PKCE verifier and state in memory only', () => {
    const p = provider();
    p.saveCodeVerifier('verifier-123');
    const state = p.state();
    expect(state).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(p.expectedState()).toBe(state);
    expect(p.codeVerifier()).toBe('verifier-123');
    expect(JSON.stringify(provider().entrySnapshot())).not.toContain('verifier-123');
    expect(() => provider().codeVerifier()).toThrow('No sign-in is in progress');
  });

  it('hands out the authorization URL once, for the sign-in flow to show', () => {
    const p = provider();
    p.redirectToAuthorization(new URL('http://localhost:8000/authorize?x=1'));
    expect(p.takeAuthorizationUrl()?.href).toBe('http://localhost:8000/authorize?x=1');
    expect(p.takeAuthorizationUrl()).toBeUndefined();
  });
});

describe('ConsoleOAuthProvider with a pre-registered client (--client-id, --client-secret)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'client-provider-pre-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('offers those credentials instead of registering, never replaces them, and never writes the secret to disk', () => {
    const store = new ConfigStore(dir);
    const p = new ConsoleOAuthProvider(store, SERVER, {}, undefined, { client_id: 'pre-id', client_secret: 'pre-secret' });
    expect(p.clientInformation()).toEqual({ client_id: 'pre-id', client_secret: 'pre-secret' });
    p.useCallback('http://127.0.0.1:50123/callback');
    p.saveClientInformation({ client_id: 'dynamic', redirect_uris: ['http://127.0.0.1:50123/callback'] });
    p.invalidateCredentials('client');
    expect(p.clientInformation()).toEqual({ client_id: 'pre-id', client_secret: 'pre-secret' });
    p.saveTokens({ access_token: 'at', token_type: 'Bearer' });
    expect(p.hasStoredSignIn()).toBe(true);
    expect(JSON.stringify(store.load(SERVER))).not.toContain('pre-secret');
  });

  it('drops tokens stored for another client', () => {
    const store = new ConfigStore(dir);
    const first = new ConsoleOAuthProvider(store, SERVER, {}, undefined, { client_id: 'one' });
    first.saveTokens({ access_token: 'at', token_type: 'Bearer' });
    expect(new ConsoleOAuthProvider(store, SERVER, {}, undefined, { client_id: 'one' }).tokens()?.access_token).toBe('at');
    expect(new ConsoleOAuthProvider(store, SERVER, {}, undefined, { client_id: 'two' }).tokens()).toBeUndefined();
  });
});
