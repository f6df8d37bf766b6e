import { auth, discoverOAuthServerInfo, OAuthServerInfo } from '@modelcontextprotocol/sdk/client/auth.js';
import { authFailure, sentence } from './auth-errors';
import { openBrowser } from './browser';
import {
  CallbackListener,
  CallbackOutcome,
  CallbackPortBusyError,
  CallbackTimeoutError,
  startCallbackListener,
} from './callback-server';
import { AuthFailedError, unreachable } from './errors';
import { revocationEndpointOf } from './logout';
import { probeEndpoint, ProbeResult } from './probe';
import { SessionContext } from './session-context';

/**
 * The whole browser sign-in, narrated on stderr: the 401 challenge, the
 * discovered metadata, dynamic registration, the authorization URL, the
 * loopback callback, and the code exchange (PKCE), all through the SDK's `auth()`.
 * Resolves true when tokens are stored, false when the server does not ask for a
 * sign-in at all (it answered the token-less request without a 401 challenge): such
 * a server is used without a token, unless `demanded` (a later request was refused for want of a token).
 */
export async function signIn(
  ctx: SessionContext,
  { demanded = false, scope }: { demanded?: boolean; /** Asked for instead of the token-less probe's challenge scope. */ scope?: string } = {},
): Promise<boolean> {
  const { reporter, provider, endpoint } = ctx;
  provider.invalidateCredentials('tokens');

  const probe = await showChallenge(ctx);
  if (probe.status !== 401 && demanded) {
    // The server let the first request in but refused a later one (e.g. tools/list): sign in anyway.
    reporter.warn(`Expected 401 from a protected MCP endpoint, got HTTP ${probe.status}; signing in as the server demanded.`);
  } else if (probe.status !== 401) {
    reporter.step(`The server did not ask for a sign-in (HTTP ${probe.status}, no 401 challenge); connecting without a token.`);
    return false;
  }
  const info = await showDiscovery(ctx, probe);
  checkMetadataIssuer(info);
  provider.saveDiscoveryState({ ...info, resourceMetadataUrl: probe.resourceMetadataUrl?.href });

  const listener = await openCallbackListener(ctx);
  try {
    provider.useCallback(listener.redirectUrl);
    const requested = scope ?? probe.scope;
    if (requested) reporter.detail('scope requested', requested);
    const authorizationUrl = await startAuthorization(ctx, requested);

    reporter.line();
    reporter.step('Open this URL in a browser to sign in:');
    reporter.line(`  ${authorizationUrl.href}`);
    reporter.line();
    if (ctx.options.browser && openBrowser(authorizationUrl.href, ctx.browser)) {
      reporter.step('Opened your browser.');
    }
    reporter.step(`Waiting for the browser to return to ${listener.redirectUrl} (up to ${ctx.options.timeoutSeconds} s)...`);

    const outcome = await waitForCallback(ctx, listener);
    checkIssuer(outcome, info);
    if (outcome.kind === 'error') throw callbackError(outcome);

    reporter.step('Exchanging the authorization code for tokens (PKCE)...');
    try {
      await auth(provider, { serverUrl: endpoint, authorizationCode: outcome.code });
    } catch (error) {
      throw authFailure('The token request', endpoint, error);
    }
    provider.signedInScope = requested;
    reporter.success('Signed in.');
    return true;
  } finally {
    provider.useCallback(undefined);
    await listener.close();
  }
}

async function showChallenge(ctx: SessionContext): Promise<ProbeResult> {
  const { reporter, endpoint } = ctx;
  reporter.step(`Connecting to ${endpoint.href} without a token...`);
  const probe = await probeEndpoint(endpoint, ctx.options.transport, fetch, ctx.options.transport === 'http' ? ctx.options.protocol : undefined);
  reporter.detail('answer', `HTTP ${probe.status}`);
  if (probe.wwwAuthenticate) reporter.detail('WWW-Authenticate', probe.wwwAuthenticate);
  return probe;
}

async function showDiscovery(ctx: SessionContext, probe: ProbeResult): Promise<OAuthServerInfo> {
  const { reporter, endpoint } = ctx;
  let info: OAuthServerInfo;
  try {
    info = await discoverOAuthServerInfo(endpoint, { resourceMetadataUrl: probe.resourceMetadataUrl });
  } catch (error) {
    throw authFailure('Discovering the authorization server', endpoint, error);
  }
  const prm = info.resourceMetadata;
  reporter.step('Protected resource metadata (RFC 9728):');
  if (prm) {
    reporter.detail('resource', prm.resource);
    reporter.detail('authorization servers', (prm.authorization_servers ?? []).join(', ') || '(none)');
    if (prm.scopes_supported) reporter.detail('scopes', prm.scopes_supported.join(' '));
  } else {
    reporter.warn('The server publishes no protected resource metadata; trying the server itself as authorization server.');
  }
  const as = info.authorizationServerMetadata;
  reporter.step('Authorization server metadata (RFC 8414):');
  if (as) {
    reporter.detail('issuer', as.issuer);
    reporter.detail('authorization endpoint', as.authorization_endpoint);
    reporter.detail('token endpoint', as.token_endpoint);
    if (as.registration_endpoint) reporter.detail('registration endpoint', as.registration_endpoint);
    const revocation = revocationEndpointOf(as);
    if (revocation) reporter.detail('revocation endpoint', revocation);
  } else {
    reporter.warn(`No authorization server metadata at ${info.authorizationServerUrl}; using the default endpoints.`);
  }
  return info;
}

/**
 * Listens on the registered callback port (the server matches redirect URIs
 * exactly, port included); a busy port means registering again with a new one.
 */
async function openCallbackListener(ctx: SessionContext): Promise<CallbackListener> {
  const { provider, reporter } = ctx;
  const wanted = ctx.options.callbackPort;
  const registered = provider.registeredCallbackPort();
  if (wanted !== undefined && registered !== undefined && wanted !== registered) {
    reporter.step(`The stored registration uses callback port ${registered}; registering again for port ${wanted}.`);
    provider.invalidateCredentials('client');
  }
  try {
    return await startCallbackListener(wanted ?? registered ?? 0);
  } catch (error) {
    if (!(error instanceof CallbackPortBusyError)) throw error;
    if (wanted !== undefined) {
      throw new AuthFailedError(`Cannot receive the sign-in callback: port ${wanted} on 127.0.0.1 is in use (choose another --callback-port).`);
    }
    reporter.step(`Callback port ${error.port} is in use; registering again with a free port.`);
    provider.invalidateCredentials('client');
    return startCallbackListener(0);
  }
}

/**
 * Runs `auth()` up to the redirect (registering when needed); with a registration stored by an
 * earlier run, then checks that the
 * server accepts the request: a server that forgot our registration answers
 * /authorize with an error page (it must not redirect to an unverified URI), which
 * the user would otherwise only see in the browser. Then: register again, once.
 */
async function startAuthorization(ctx: SessionContext, scope: string | undefined): Promise<URL> {
  const { provider, endpoint, reporter } = ctx;
  for (let attempt = 0; ; attempt++) {
    let result: string;
    try {
      result = await auth(provider, { serverUrl: endpoint, scope });
    } catch (error) {
      throw authFailure('Registering with the authorization server', endpoint, error);
    }
    const url = provider.takeAuthorizationUrl();
    if (result !== 'REDIRECT' || !url) throw new AuthFailedError('The authorization server did not start a browser sign-in.');
    // A registration made by this process cannot have been forgotten: the browser goes straight
    // there (the check is itself an authorization request, which servers may count, e.g. for step-up).
    if (provider.registeredInThisProcess()) return url;
    const rejected = await authorizationRejected(url);
    if (!rejected) return url;
    if (attempt > 0) {
      throw new AuthFailedError(`The authorization server rejected the sign-in request (${rejected}).`);
    }
    reporter.step('The server no longer knows this client; registering again.');
    provider.invalidateCredentials('client');
  }
}

/** Why the authorization endpoint refuses `url` without redirecting (e.g. "HTTP 400 invalid_client"), or undefined. */
async function authorizationRejected(url: URL): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
  } catch (error) {
    throw unreachable(url, error) ?? error;
  }
  const body = await response.text().catch(() => '');
  if (response.status < 400) return undefined;
  const code = /\b(invalid_client|invalid_request|unauthorized_client|invalid_redirect_uri)\b/.exec(body)?.[1];
  return `HTTP ${response.status}${code ? ` ${code}` : ''}`;
}

async function waitForCallback(ctx: SessionContext, listener: CallbackListener): Promise<CallbackOutcome> {
  try {
    return await listener.wait(ctx.provider.expectedState(), ctx.options.timeoutSeconds);
  } catch (error) {
    if (error instanceof CallbackTimeoutError) {
      throw new AuthFailedError(
        `Sign-in timed out: the browser did not come back within ${ctx.options.timeoutSeconds} s (run the command again, or raise --timeout).`,
      );
    }
    throw error;
  }
}

/**
 * RFC 9207: a response naming another issuer (compared as plain strings) is a mix-up attack, or a
 * misconfiguration; so is a response without `iss` from a server that promised to send it
 * (`authorization_response_iss_parameter_supported`).
 */
export function checkIssuer(outcome: CallbackOutcome, info: OAuthServerInfo): void {
  // RFC 9207 §3 metadata; the SDK keeps unknown metadata fields (loose schema) without typing them.
  const metadata = info.authorizationServerMetadata as { issuer: string; authorization_response_iss_parameter_supported?: unknown } | undefined;
  const issuer = metadata?.issuer;
  if (outcome.iss !== undefined && issuer !== undefined && outcome.iss !== issuer) {
    throw new AuthFailedError(`The sign-in response came from issuer ${outcome.iss}, not ${issuer}: ignored.`);
  }
  if (outcome.iss === undefined && metadata?.authorization_response_iss_parameter_supported === true) {
    throw new AuthFailedError(`The sign-in response did not name its issuer, though ${issuer} promises to (RFC 9207): ignored.`);
  }
}

/**
 * RFC 8414 §3.3: the metadata's `issuer` must be the authorization server it was fetched for;
 * metadata naming another issuer is not used.
 */
export function checkMetadataIssuer(info: OAuthServerInfo): void {
  const issuer = info.authorizationServerMetadata?.issuer;
  if (issuer === undefined) return;
  if (sameUrl(issuer, String(info.authorizationServerUrl))) return;
  throw new AuthFailedError(
    `The authorization server metadata fetched for ${String(info.authorizationServerUrl)} names another issuer (${issuer}): not used.`,
  );
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

function callbackError(outcome: Extract<CallbackOutcome, { kind: 'error' }>): AuthFailedError {
  if (outcome.error === 'access_denied') {
    return new AuthFailedError('Sign-in was denied: access to the MCP server was not allowed in the browser.');
  }
  const description = outcome.description ? `: ${sentence(outcome.description)}` : '';
  return new AuthFailedError(`Sign-in failed (${outcome.error})${description}.`);
}
