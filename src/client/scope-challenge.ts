import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';

/** A `WWW-Authenticate: Bearer` challenge the MCP server answered a request with. */
export interface ScopeChallenge {
  status: 401 | 403;
  /** The `scope` the challenge names, if any. */
  scope?: string;
  /** `error="insufficient_scope"` on a 403: the token is valid but lacks a permission (step-up). */
  insufficientScope: boolean;
}

/** The space-separated union of scope strings, first-seen order, without duplicates; undefined when empty. */
export function scopeUnion(...scopes: (string | undefined)[]): string | undefined {
  const all = new Set(scopes.flatMap((scope) => (scope ?? '').split(' ').filter(Boolean)));
  return all.size ? [...all].join(' ') : undefined;
}

/**
 * Watches the MCP server's answers (as the transports' `fetch`) for the last 401/403 Bearer
 * challenge, so a sign-in that follows asks for the scope the server named (MCP scope selection:
 * the challenge's `scope` first) and a step-up asks for the union of the old and the new scopes.
 */
export class ScopeChallenges {
  private last?: ScopeChallenge;

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    this.observe(response);
    return response;
  };

  observe(response: Response): void {
    if (response.status !== 401 && response.status !== 403) return;
    if (!response.headers.get('www-authenticate')) return;
    const { scope, error } = extractWWWAuthenticateParams(response);
    this.last = { status: response.status, scope, insufficientScope: response.status === 403 && error === 'insufficient_scope' };
  }

  /** The last challenge seen since the previous call, once. */
  take(): ScopeChallenge | undefined {
    const last = this.last;
    this.last = undefined;
    return last;
  }
}
