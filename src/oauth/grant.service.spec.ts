import { AppConfig } from '../config/app-config';
import { SigningKeysService } from '../config/signing-keys.service';
import { AuditTrail } from '../audit/audit-trail';
import { MemoryStore } from '../store/memory.store';
import { GrantService } from './grant.service';
import type { AuthorizationRequest } from './oauth.records';
import { UserGrantIndex } from './user-grant.index';

const config = Object.assign(new AppConfig(), { grantMaxLifetimeDays: 90, signingKey: Buffer.alloc(32, 7), auditLog: 'store', auditRetentionDays: 90 });
const request: AuthorizationRequest = {
  clientId: 'c1',
  redirectUri: 'http://127.0.0.1:1/cb',
  redirectUriGiven: true,
  scopes: ['mcp:tools'],
  codeChallenge: 'x'.repeat(43),
  resource: 'http://localhost:8000/',
};
const tokens = {
  identity: { oid: 'o', tid: 't', name: 'Adele Vance', preferredUsername: 'adelev@contoso.example', roles: [], groups: [] },
  accessToken: 'entra-access-token',
  refreshToken: 'entra-refresh-token',
  expiresAt: Date.now() + 3600_000,
};

describe('GrantService', () => {
  let grants: GrantService;
  let store: MemoryStore;
  let audit: AuditTrail;
  let index: UserGrantIndex;
  beforeEach(() => {
    store = new MemoryStore();
    audit = new AuditTrail(store, config);
    index = new UserGrantIndex(store, config);
    grants = new GrantService(store, config, new SigningKeysService(config), audit, index);
  });
  afterEach(() => jest.restoreAllMocks());

  it('keeps the Entra tokens only encrypted (AES-256-GCM), readable with the grant id as context', async () => {
    const grant = await grants.create(request, tokens, true);
    const raw = await store.get(`grant:${grant.id}`);
    expect(raw).not.toContain('entra-access-token');
    expect(raw).not.toContain('entra-refresh-token');
    expect(grants.open(grant)).toEqual({ accessToken: 'entra-access-token', refreshToken: 'entra-refresh-token', expiresAt: tokens.expiresAt });
    // Moved to another record, the ciphertext does not open (AAD = grant id).
    expect(grants.open({ ...grant, id: 'another-grant' })).toBeNull();
  });

  it('is not usable until its authorization code is redeemed (activated)', async () => {
    const grant = await grants.create(request, tokens, true);
    expect(await grants.find(grant.id)).toBeNull();
    await grants.activate(grant.id);
    expect(await grants.find(grant.id)).toMatchObject({ id: grant.id, active: true });
  });

  it('ends after GRANT_MAX_LIFETIME_DAYS whatever happens', async () => {
    const grant = await grants.create(request, tokens, true);
    await grants.activate(grant.id);
    const realNow = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(realNow + 90 * 24 * 3600 * 1000 + 1);
    expect(await grants.find(grant.id)).toBeNull();
    // Whoever noticed it first recorded why, once.
    expect(await grants.find(grant.id)).toBeNull();
    jest.restoreAllMocks();
    const revoked = await audit.query({ event: 'grant.revoked' });
    expect(revoked).toEqual([expect.objectContaining({ by: 'lifetime', grantId: grant.id, oid: 'o', clientId: 'c1' })]);
  });

  it('records the grant in the audit trail when created and when revoked (by whom), once per revocation', async () => {
    const grant = await grants.create(request, tokens, true);
    await grants.activate(grant.id);
    expect(await grants.revoke(grant.id, 'user')).toMatchObject({ id: grant.id });
    expect(await grants.revoke(grant.id, 'client')).toBeNull();
    const events = (await audit.query()).reverse();
    expect(events.map((e) => [e.event, e.by])).toEqual([
      ['grant.created', undefined],
      ['grant.revoked', 'user'],
    ]);
    expect(events[0]).toMatchObject({ oid: 'o', clientId: 'c1', grantId: grant.id });
    expect(JSON.stringify(events)).not.toMatch(/entra-(access|refresh)-token|Adele|adelev/);
  });

  it('lists an activated grant among the user\'s grants (for the connected apps page), with its redirect URI', async () => {
    const pending = await grants.create(request, tokens, true);
    expect(await index.list('o')).toEqual([]);
    await grants.activate(pending.id);
    expect(await index.list('o')).toEqual([
      expect.objectContaining({ grantId: pending.id, clientId: 'c1', redirectUri: 'http://127.0.0.1:1/cb', scopes: ['mcp:tools'] }),
    ]);
  });

  it('is gone once revoked', async () => {
    const grant = await grants.create(request, tokens, true);
    await grants.activate(grant.id);
    await grants.revoke(grant.id, 'user');
    expect(await grants.find(grant.id)).toBeNull();
  });

  it('tells GrantLiveness whether a grant is alive: not before activation, yes once active, no once revoked', async () => {
    const grant = await grants.create(request, tokens, true);
    expect(await grants.isActive(grant.id)).toBe(false);
    await grants.activate(grant.id);
    expect(await grants.isActive(grant.id)).toBe(true);
    await grants.revoke(grant.id, 'user');
    expect(await grants.isActive(grant.id)).toBe(false);
    expect(await grants.isActive('never-existed')).toBe(false);
  });
});
