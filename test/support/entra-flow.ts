import * as oidc from 'openid-client';
import { EntraAuthorizationRequest } from '../../src/entra/entra-client.port';

/** A fresh state, nonce and PKCE verifier, as the server makes for each sign-in at Entra. */
export function newAuthorizationRequest(): EntraAuthorizationRequest {
  return { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
}
