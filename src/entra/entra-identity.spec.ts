import { identityFromClaims } from './entra-identity';
import { isLoopbackOrigin } from '../config/loopback';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const claims = { oid: '00000000-0000-0000-0000-000000000001', tid: TENANT, name: 'Adele Vance', preferred_username: 'adelev@contoso.com' };

describe('identityFromClaims', () => {
  it('maps oid, tid, name and preferred_username', () => {
    expect(identityFromClaims(claims, TENANT)).toEqual({ oid: claims.oid, tid: TENANT, name: 'Adele Vance', preferredUsername: 'adelev@contoso.com', roles: [], groups: [] });
  });

  it('keeps the app roles and group ids (the per-tool authorization reads them); malformed claims count as none', () => {
    const withRoles = { ...claims, roles: ['Tools.Admin', 'Tools.Admin', 7], groups: ['6f1d9b0a-0000-4000-8000-000000000001'] };
    expect(identityFromClaims(withRoles, TENANT)).toMatchObject({ roles: ['Tools.Admin'], groups: ['6f1d9b0a-0000-4000-8000-000000000001'] });
    expect(identityFromClaims({ ...claims, roles: 'Tools.Admin', groups: { a: 1 } }, TENANT)).toMatchObject({ roles: [], groups: [] });
  });

  it('accepts the tenant id in any letter case', () => {
    expect(identityFromClaims(claims, TENANT.toUpperCase()).tid).toBe(TENANT);
  });

  it.each([
    ['another tenant', { ...claims, tid: '11111111-1111-1111-1111-111111111111' }],
    ['no tenant', { ...claims, tid: undefined }],
  ])('refuses an id_token from %s', (_what, fromElsewhere) => {
    expect(() => identityFromClaims(fromElsewhere, TENANT)).toThrow(expect.objectContaining({ error: 'invalid_response', errorDescription: expect.stringMatching(/tid/) }));
  });

  it('refuses an id_token without oid (users are keyed by it)', () => {
    expect(() => identityFromClaims({ ...claims, oid: '' }, TENANT)).toThrow(/oid/);
  });

  it('falls back to upn/email for the sign-in name and to that for the display name', () => {
    expect(identityFromClaims({ oid: claims.oid, tid: TENANT, upn: 'u@contoso.com' }, TENANT)).toMatchObject({ name: 'u@contoso.com', preferredUsername: 'u@contoso.com' });
  });
});

describe('isLoopbackOrigin', () => {
  it.each(['http://localhost:8001', 'http://127.0.0.1:9', 'http://[::1]:8001'])('is true for %s', (origin) => {
    expect(isLoopbackOrigin(origin)).toBe(true);
  });

  it.each(['https://login.microsoftonline.com', 'http://localhost.evil.example', 'http://127.0.0.2', 'not a url'])('is false for %s', (origin) => {
    expect(isLoopbackOrigin(origin)).toBe(false);
  });
});
