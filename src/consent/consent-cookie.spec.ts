import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  approvalFor,
  ConsentApproval,
  CookieSigner,
  isApproved,
  MAX_CONSENT_COOKIE_LENGTH,
  signConsent,
  verifyConsent,
  withApproval,
  withoutClient,
} from './consent-cookie';

const signerWith = (key: string): CookieSigner => ({
  sign: (data) => createHmac('sha256', key).update(data).digest('base64url'),
  verify: (data, sig) => {
    const expected = Buffer.from(createHmac('sha256', key).update(data).digest('base64url'));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  },
});
const signer = signerWith('k1');
const NOW = 1_800_000_000;
const SCOPES = ['mcp:tools', 'user.read'];
const A = approvalFor('client-a', 'http://127.0.0.1:6274/oauth/callback', SCOPES, NOW);

describe('consent cookie (DESIGN.md Consent cookie; MCP security best practices: confused deputy)', () => {
  it('round-trips approvals signed with HMAC-SHA256', () => {
    expect(verifyConsent(signConsent([A], signer), signer, NOW)).toEqual([A]);
  });

  it('approves exactly the same client, redirect URI and scopes, in any scope order', () => {
    expect(isApproved([A], 'client-a', 'http://127.0.0.1:6274/oauth/callback', ['user.read', 'mcp:tools'])).toBe(true);
    expect(isApproved([A], 'client-b', 'http://127.0.0.1:6274/oauth/callback', SCOPES)).toBe(false);
    expect(isApproved([A], 'client-a', 'http://127.0.0.1:6275/oauth/callback', SCOPES)).toBe(false);
    expect(isApproved([A], 'client-a', 'http://127.0.0.1:6274/oauth/callback', ['mcp:tools'])).toBe(false);
  });

  it('ignores a cookie whose payload was changed', () => {
    const [v, payload, sig] = signConsent([A], signer).split('.');
    const forged = Buffer.from(JSON.stringify([{ ...A, application_id: 'client-b' }])).toString('base64url');
    expect(verifyConsent(`${v}.${forged}.${sig}`, signer, NOW)).toEqual([]);
    expect(verifyConsent(`${v}.${payload}.${sig}x`, signer, NOW)).toEqual([]);
  });

  it('ignores a cookie signed with another key', () => {
    expect(verifyConsent(signConsent([A], signerWith('k2')), signer, NOW)).toEqual([]);
  });

  it('ignores malformed cookies', () => {
    for (const bad of ['', 'v1', 'v1..', 'v2.e30.x', 'v1.bm90IGpzb24.x', 'v1.a.b.c']) {
      expect(verifyConsent(bad, signer, NOW)).toEqual([]);
    }
    const notArray = signConsent({} as unknown as ConsentApproval[], signer);
    expect(verifyConsent(notArray, signer, NOW)).toEqual([]);
  });

  it('drops approvals after expires_on (30 days)', () => {
    const cookie = signConsent([A], signer);
    expect(verifyConsent(cookie, signer, A.expires_on - 1)).toHaveLength(1);
    expect(verifyConsent(cookie, signer, A.expires_on)).toEqual([]);
    expect(A.expires_on - NOW).toBe(30 * 24 * 3600);
  });

  it('keeps several clients approved without overwriting each other', () => {
    const B = approvalFor('client-b', 'https://b.example.com/cb', SCOPES, NOW);
    const approvals = verifyConsent(withApproval(verifyConsent(withApproval([], A, signer), signer, NOW), B, signer), signer, NOW);
    expect(isApproved(approvals, 'client-a', 'http://127.0.0.1:6274/oauth/callback', SCOPES)).toBe(true);
    expect(isApproved(approvals, 'client-b', 'https://b.example.com/cb', SCOPES)).toBe(true);
  });

  it('replaces an earlier approval of the same client and redirect URI (new scopes)', () => {
    const narrower = approvalFor('client-a', 'http://127.0.0.1:6274/oauth/callback', ['mcp:tools'], NOW);
    const approvals = verifyConsent(withApproval([A], narrower, signer), signer, NOW);
    expect(approvals).toEqual([narrower]);
  });

  it('stays well under 4 KB, dropping the oldest approvals first', () => {
    let approvals: ConsentApproval[] = [];
    let value = '';
    for (let i = 0; i < 50; i++) {
      value = withApproval(approvals, approvalFor(`client-${i}-${'x'.repeat(30)}`, `https://c${i}.example.com/cb`, SCOPES, NOW), signer);
      approvals = verifyConsent(value, signer, NOW);
    }
    expect(value.length).toBeLessThanOrEqual(MAX_CONSENT_COOKIE_LENGTH);
    expect(approvals.at(-1)?.application_id).toMatch(/^client-49-/);
    expect(approvals.some((a) => a.application_id.startsWith('client-0-'))).toBe(false);
  });

  it('forgets every approval of a revoked client and keeps the others', () => {
    const B = approvalFor('client-b', 'https://b.example.com/cb', SCOPES, NOW);
    const A2 = approvalFor('client-a', 'https://a.example.com/other', SCOPES, NOW);
    expect(withoutClient([A, B, A2], 'client-a')).toEqual([B]);
  });
});
