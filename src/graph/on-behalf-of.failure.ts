import { EntraError, EntraUnavailableError } from '../entra/entra.errors';
import { OnBehalfOfRefusedError } from '../entra/on-behalf-of.service';
import { GraphError, GraphOnBehalfOfError, GraphSignInRequiredError, GraphUnavailableError } from './graph.errors';

/**
 * What a refused On-Behalf-Of exchange means for the user of a tool, in one sentence that says
 * what to do (Entra error codes: learn.microsoft.com/entra/identity-platform/reference-error-codes).
 */
export function onBehalfOfFailure(error: unknown): GraphError | unknown {
  if (error instanceof EntraUnavailableError) return new GraphUnavailableError('unreachable');
  if (!(error instanceof EntraError)) return error;
  const code = error.aadstsCode;
  const claims = error instanceof OnBehalfOfRefusedError ? error.claims : undefined;
  // AADSTS65001: the user or an administrator has not consented to the app using Graph.
  if (code === 'AADSTS65001' || error.error === 'consent_required') {
    return new GraphOnBehalfOfError(
      `Microsoft Entra ID has no consent for this server to read your profile from Microsoft Graph (${code ?? 'consent_required'}): ask an administrator to grant admin consent for the app's Microsoft Graph User.Read permission (or consent to it yourself if your organization allows), then try again.`,
      error.error,
      code,
    );
  }
  // Conditional Access (MFA, compliant device…): the user must sign in again, interactively.
  if (error.error === 'interaction_required' || claims !== undefined) {
    return new GraphOnBehalfOfError(
      claims !== undefined
        ? `Your organization's Conditional Access policy requires a fresh sign-in (${code ?? 'claims challenge'}): sign in again in your MCP client (it must request a new token with the claims Microsoft Entra ID asked for), then retry.`
        : `Microsoft Entra ID requires you to sign in again interactively (${code ?? 'interaction_required'}), for example for multi-factor authentication: sign in again in your MCP client, then retry.`,
      error.error,
      code,
    );
  }
  if (error.error === 'invalid_client' || error.error === 'unauthorized_client') {
    return new GraphOnBehalfOfError(
      `Microsoft Entra ID refused this server's own credentials (${code ?? error.error}); this is a server configuration problem: tell the server's administrator.`,
      error.error,
      code,
    );
  }
  if (error.error === 'invalid_grant') {
    return new GraphSignInRequiredError(`Microsoft Entra ID no longer accepts your sign-in (${code ?? 'invalid_grant'}); please sign in again in your MCP client.`);
  }
  return new GraphOnBehalfOfError(
    `Microsoft Entra ID refused to let this server call Microsoft Graph for you (${code ?? error.error}); please try again later or contact your administrator.`,
    error.error,
    code,
  );
}
