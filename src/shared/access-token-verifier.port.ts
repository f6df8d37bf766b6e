import { UserContext } from './user-context';

/** A bearer token that is missing, unknown, expired, revoked or for another audience. */
export class InvalidTokenError extends Error {
  constructor(message = 'The access token is invalid, expired or revoked.') {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/**
 * Verifies this server's own access tokens (never Entra's: no token passthrough).
 * Implemented by the OAuth module; used by the MCP bearer guard.
 */
export abstract class AccessTokenVerifier {
  /** Resolves the user context of a valid token; rejects with InvalidTokenError otherwise. */
  abstract verify(token: string): Promise<UserContext>;
}
