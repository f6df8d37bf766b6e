import type { GrantRecord } from './oauth.records';

/** The grant's Entra session is gone (refresh refused, grant revoked): the user must sign in again. */
export class UpstreamSignInRequiredError extends Error {
  constructor(message = 'Your Microsoft sign-in has expired or was revoked; please sign in again.') {
    super(message);
    this.name = 'UpstreamSignInRequiredError';
  }
}

/**
 * Gives server-side code the Entra access token held for a grant, refreshing it
 * (single-flight per grant, compare-and-set on the grant) when it has expired or
 * when the caller saw it rejected. Implemented by the OAuth module's GrantsModule;
 * used by Graph (the access token) and by the client's refresh at `/token`.
 */
export abstract class UpstreamTokens {
  abstract getGraphAccessToken(grantId: string, options?: { forceRefresh?: boolean }): Promise<string>;

  /**
   * Refreshes the grant's Entra token now if it has expired; rejects with UpstreamSignInRequiredError
   * when Entra refuses (the grant's Entra session has ended), resolves when Entra is merely unreachable.
   */
  abstract refreshIfExpired(grant: GrantRecord): Promise<void>;
}
