import { createHash } from 'node:crypto';
import { isWellFormedCodeVerifier, isWellFormedS256Challenge, verifyPkceS256 } from './pkce';

const VERIFIER = 'dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk';
// Computed independently of the code under test: BASE64URL(SHA256(ASCII(verifier))).
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

describe('verifyPkceS256 (RFC 7636 §4.6)', () => {
  it('accepts the verifier whose S256 transform is the challenge', () => {
    expect(verifyPkceS256(VERIFIER, CHALLENGE)).toBe(true);
  });

  it('rejects a different verifier', () => {
    expect(verifyPkceS256(`${VERIFIER.slice(0, -1)}A`, CHALLENGE)).toBe(false);
  });

  it('rejects the plain method: the challenge itself is not a valid verifier for it', () => {
    expect(verifyPkceS256(CHALLENGE, CHALLENGE)).toBe(false);
  });

  it('rejects verifiers that are too short, too long or use other characters (RFC 7636 §4.1)', () => {
    expect(verifyPkceS256('short', CHALLENGE)).toBe(false);
    expect(isWellFormedCodeVerifier('a'.repeat(42))).toBe(false);
    expect(isWellFormedCodeVerifier('a'.repeat(43))).toBe(true);
    expect(isWellFormedCodeVerifier('a'.repeat(128))).toBe(true);
    expect(isWellFormedCodeVerifier('a'.repeat(129))).toBe(false);
    expect(isWellFormedCodeVerifier(`${'a'.repeat(43)}+`)).toBe(false);
  });
});

describe('isWellFormedS256Challenge (RFC 7636 §4.2)', () => {
  it('accepts a 43-character base64url value', () => {
    expect(isWellFormedS256Challenge(CHALLENGE)).toBe(true);
  });

  it('rejects padding, standard base64 and wrong lengths', () => {
    expect(isWellFormedS256Challenge(`${CHALLENGE}=`)).toBe(false);
    expect(isWellFormedS256Challenge(`+${CHALLENGE.slice(1)}`)).toBe(false);
    expect(isWellFormedS256Challenge(CHALLENGE.slice(1))).toBe(false);
  });
});
