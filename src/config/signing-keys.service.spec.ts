import { hkdfSync, randomBytes } from 'node:crypto';
import { AppConfig } from './app-config';
import { hkdfSha256, SigningKeysService } from './signing-keys.service';

function keys(signingKey: Buffer, signingKeyPrevious?: Buffer): SigningKeysService {
  return new SigningKeysService({ signingKey, signingKeyPrevious } as AppConfig);
}

describe('SigningKeysService', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('verifies its own signatures and rejects altered data', () => {
    const service = keys(newKey);
    const signature = service.sign('payload');
    expect(service.verify('payload', signature)).toBe(true);
    expect(service.verify('payload2', signature)).toBe(false);
  });

  it('accepts signatures of the previous key during rotation, but signs only with the current one', () => {
    const before = keys(oldKey);
    const during = keys(newKey, oldKey);
    expect(during.verify('payload', before.sign('payload'))).toBe(true);
    expect(before.verify('payload', during.sign('payload'))).toBe(false);
  });

  it('decrypts what it encrypted, only with the same context (AAD)', () => {
    const service = keys(newKey);
    const sealed = service.encrypt('entra-refresh-token', 'grant-1');
    expect(sealed).not.toContain('entra-refresh-token');
    expect(service.decrypt(sealed, 'grant-1')).toBe('entra-refresh-token');
    expect(service.decrypt(sealed, 'grant-2')).toBeNull();
  });

  it('decrypts values sealed under the previous key during rotation', () => {
    const sealed = keys(oldKey).encrypt('secret', 'ctx');
    expect(keys(newKey, oldKey).decrypt(sealed, 'ctx')).toBe('secret');
    expect(keys(newKey).decrypt(sealed, 'ctx')).toBeNull();
  });

  it('needs the extra key to open a value sealed with one', () => {
    const service = keys(newKey);
    const sealed = service.encrypt('successor pair', 'refresh', 'old-refresh-token');
    expect(service.decrypt(sealed, 'refresh', 'old-refresh-token')).toBe('successor pair');
    expect(service.decrypt(sealed, 'refresh', 'another-token')).toBeNull();
    expect(service.decrypt(sealed, 'refresh')).toBeNull();
  });

  it('rejects a tampered ciphertext', () => {
    const service = keys(newKey);
    const tampered = service.encrypt('x', 'ctx').replace(/^v1\.[^.]+/, (m) => m.slice(0, -2) + 'AA');
    expect(service.decrypt(tampered, 'ctx')).toBeNull();
  });

  it('derives an extra-key binding with HKDF-SHA256 exactly as RFC 5869 does, so values sealed before stay readable', () => {
    const info = Buffer.from('mcp-entra-server/bound-secret/v1');
    for (const salt of [Buffer.from('old-refresh-token'), Buffer.alloc(0), randomBytes(200)]) {
      const ikm = randomBytes(32);
      expect(hkdfSha256(ikm, salt, info).equals(Buffer.from(hkdfSync('sha256', ikm, salt, info, 32)))).toBe(true);
    }
  });
});
