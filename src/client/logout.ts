import { discoverOAuthServerInfo } from '@modelcontextprotocol/sdk/client/auth.js';
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { sentence } from './auth-errors';
import { AuthFailedError, CliError, unreachable } from './errors';
import { ExitCode } from './exit-codes';
import { SessionContext } from './session-context';

/**
 * `--logout`: revokes the refresh token (which ends the grant) and the access
 * token at the server (RFC 7009), then forgets them. The registration is kept,
 * so the next sign-in reuses the client and its callback port. Tokens are
 * forgotten even when the server cannot be told: the user asked to sign out here.
 */
export async function logout(ctx: SessionContext): Promise<ExitCode> {
  const { provider, reporter, options } = ctx;
  const entry = provider.entrySnapshot();
  const tokens = entry.tokens;
  if (!tokens?.access_token) {
    reporter.step(`Not signed in to ${options.server}: nothing to revoke.`);
    return ExitCode.Ok;
  }
  let failure: CliError | undefined;
  try {
    const endpoint = await revocationEndpoint(ctx);
    if (!endpoint) {
      reporter.warn('The server advertises no revocation endpoint: the tokens are only forgotten here.');
    } else {
      reporter.step(`Revoking the tokens at ${endpoint} (RFC 7009)...`);
      const clientId = entry.client?.client_id;
      if (tokens.refresh_token) await revoke(endpoint, tokens.refresh_token, 'refresh_token', clientId);
      await revoke(endpoint, tokens.access_token, 'access_token', clientId);
    }
  } catch (error) {
    failure = error instanceof CliError ? error : unreachable(ctx.endpoint, error);
    if (!failure) throw error;
  } finally {
    provider.invalidateCredentials('tokens');
  }
  if (failure) {
    reporter.warn('The stored tokens were forgotten, but the server could not revoke them.');
    throw failure;
  }
  reporter.success(`Signed out of ${options.server}.`);
  return ExitCode.Ok;
}

async function revocationEndpoint(ctx: SessionContext): Promise<string | undefined> {
  const cached = ctx.provider.discoveryState()?.authorizationServerMetadata;
  if (cached) return revocationEndpointOf(cached);
  const info = await discoverOAuthServerInfo(ctx.endpoint);
  return revocationEndpointOf(info.authorizationServerMetadata);
}

/** `revocation_endpoint` (RFC 8414 §2); OpenID discovery documents may lack it. */
export function revocationEndpointOf(metadata: AuthorizationServerMetadata | undefined): string | undefined {
  const value = (metadata as { revocation_endpoint?: unknown } | undefined)?.revocation_endpoint;
  return typeof value === 'string' ? value : undefined;
}

/** RFC 7009 §2.1: a public client identifies itself with `client_id` in the form. */
export async function revoke(endpoint: string, token: string, hint: 'access_token' | 'refresh_token', clientId?: string): Promise<void> {
  const body = new URLSearchParams({ token, token_type_hint: hint });
  if (clientId) body.set('client_id', clientId);
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
  });
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  // RFC 7009 §2.2: 200 even for unknown tokens; anything else is a refusal.
  const text = await response.text().catch(() => '');
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: string }).error;
  } catch {
    code = undefined;
  }
  throw new AuthFailedError(
    `The server refused to revoke the ${hint.replace('_', ' ')} (HTTP ${response.status}${code ? ` ${sentence(code)}` : ''}).`,
  );
}
