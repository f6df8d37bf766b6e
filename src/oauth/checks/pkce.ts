import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../../config/constant-time';

/** RFC 7636 §4.1/§4.2: 43–128 characters from the unreserved set. */
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;

/** RFC 7636 §4.2: an S256 challenge is the base64url SHA-256 of a verifier: exactly 43 characters. */
export function isWellFormedS256Challenge(challenge: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(challenge);
}

/** RFC 7636 §4.1: the verifier's alphabet and length. */
export function isWellFormedCodeVerifier(verifier: string): boolean {
  return PKCE_VALUE.test(verifier);
}

/** RFC 7636 §4.6: BASE64URL(SHA256(verifier)) == challenge, compared in constant time. */
export function verifyPkceS256(verifier: string, challenge: string): boolean {
  if (!isWellFormedCodeVerifier(verifier)) return false;
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return constantTimeEqual(computed, challenge);
}
