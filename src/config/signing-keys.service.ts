import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from './app-config';
import { constantTimeEqual } from './constant-time';

/** Purposes for which separate keys are derived from AUTH_SIGNING_KEY (HKDF-SHA256, RFC 5869). */
export type KeyPurpose = 'cookie-signing' | 'token-encryption';

interface KeyPair {
  current: Buffer;
  previous?: Buffer;
}

function derive(master: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `mcp-entra-server/${purpose}/v1`, 32));
}

const BOUND_SECRET_INFO = Buffer.from('mcp-entra-server/bound-secret/v1');

/**
 * HKDF-SHA256 (RFC 5869) for a 32-byte key, i.e. one output block: PRK = HMAC(salt, IKM),
 * OKM = HMAC(PRK, info ‖ 0x01). The same bytes as `hkdfSync('sha256', ikm, salt, info, 32)`,
 * for a fraction of its cost per call (it is called on every refresh-token rotation).
 */
export function hkdfSha256(ikm: Buffer, salt: Buffer, info: Buffer): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return createHmac('sha256', prk).update(info).update(Buffer.of(1)).digest();
}

/**
 * Keys derived from AUTH_SIGNING_KEY. The current key signs and encrypts; the
 * previous key (AUTH_SIGNING_KEY_PREVIOUS), during rotation, is only accepted for
 * verifying and decrypting.
 */
@Injectable()
export class SigningKeysService {
  private readonly keys = new Map<KeyPurpose, KeyPair>();

  constructor(config: AppConfig) {
    for (const purpose of ['cookie-signing', 'token-encryption'] as const) {
      this.keys.set(purpose, {
        current: derive(config.signingKey, purpose),
        previous: config.signingKeyPrevious ? derive(config.signingKeyPrevious, purpose) : undefined,
      });
    }
  }

  /** HMAC-SHA256 of `data` with the current cookie-signing key, base64url. */
  sign(data: string): string {
    return createHmac('sha256', this.pair('cookie-signing').current).update(data).digest('base64url');
  }

  /** Checks an HMAC made by `sign`, with the current or the previous key, in constant time. */
  verify(data: string, signature: string): boolean {
    const { current, previous } = this.pair('cookie-signing');
    const ok = (key: Buffer) => constantTimeEqual(createHmac('sha256', key).update(data).digest('base64url'), signature);
    return ok(current) || (previous !== undefined && ok(previous));
  }

  /**
   * AES-256-GCM encryption with the current token-encryption key. `context` is bound
   * as additional authenticated data (e.g. the grant id), so a ciphertext cannot be
   * moved to another record. `extraKey`, when given, is mixed into the key (HKDF),
   * for values that must only be readable by whoever holds that secret.
   */
  encrypt(plaintext: string, context: string, extraKey?: string): string {
    const key = this.keyFor(this.pair('token-encryption').current, extraKey);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** Decrypts what `encrypt` produced, trying the current and then the previous key; null if neither fits. */
  decrypt(sealed: string, context: string, extraKey?: string): string | null {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || body === undefined || !tag) return null;
    const { current, previous } = this.pair('token-encryption');
    for (const base of previous ? [current, previous] : [current]) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', this.keyFor(base, extraKey), Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // wrong key or tampered: try the next key
      }
    }
    return null;
  }

  private keyFor(base: Buffer, extraKey?: string): Buffer {
    if (extraKey === undefined) return base;
    return hkdfSha256(base, Buffer.from(extraKey), BOUND_SECRET_INFO);
  }

  private pair(purpose: KeyPurpose): KeyPair {
    return this.keys.get(purpose)!;
  }
}
