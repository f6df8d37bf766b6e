import { isLoopbackOrigin } from '../config/loopback';
import { SCOPES } from '../shared/scopes';
import { html, renderPage, SafeHtml } from '../shared/pages/html';

/** What each scope lets the client do, in the user's words (DESIGN.md Scopes). */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [SCOPES.tools]: "Use this server's tools as you",
  [SCOPES.userRead]: 'Read your name and profile from Microsoft Graph',
};

/** A registration younger than this is called new on the consent page. */
const NEW_CLIENT_MS = 7 * 24 * 60 * 60 * 1000;

export interface ConsentPageModel {
  clientName: string | undefined;
  clientId: string;
  /** Epoch seconds of the registration. */
  registeredAt: number;
  /**
   * For a client identified by a Client ID Metadata Document: the host serving the document, the
   * only part of its identity this server can vouch for (whoever controls that host wrote it).
   */
  documentHost?: string;
  redirectUri: string;
  scopes: readonly string[];
  /** The opaque id of the pending authorization request. */
  requestId: string;
  csrfToken: string;
  /** Whether the client will get a refresh token (keeps access without asking again). */
  offline: boolean;
  /** SERVER_NAME: who is asking, in the page's header. */
  serverName: string;
  now?: number;
}

/**
 * The redirect URI in full, with its host emphasized: where the user's authorization goes.
 * Shown as parsed, the way the browser will follow it (host in lower case, IDN as punycode,
 * as browsers show look-alike hosts), so that `https://аpple.com` (Cyrillic а) or an oddly
 * written URI cannot pass for another host.
 */
export function redirectUriWithHost(uri: string): SafeHtml {
  const url = new URL(uri);
  return html`${`${url.protocol}//`}<strong>${url.host}</strong>${`${url.pathname}${url.search}`}`;
}

/**
 * The consent page (DESIGN.md "Consent page"): who asks (name escaped; never trusted),
 * where the result goes, what becomes accessible, warnings, and the Allow / Deny form.
 */
export function renderConsentPage(model: ConsentPageModel): string {
  const now = model.now ?? Date.now();
  const name = model.clientName ?? 'An unnamed application';
  const host = new URL(model.redirectUri).host;
  const warnings: string[] = [];
  if (model.documentHost !== undefined) {
    warnings.push(
      `This application describes itself in a document published at ${model.documentHost}. Its name is chosen by whoever controls ${model.documentHost} and has not been verified.`,
    );
    warnings.push('You are asked every time this application signs in, because its approval cannot safely be remembered.');
  } else if (now - model.registeredAt * 1000 < NEW_CLIENT_MS) {
    warnings.push('This application registered itself with this server recently. Its name is chosen by the application and has not been verified.');
  } else {
    warnings.push('The name of this application is chosen by the application itself and has not been verified.');
  }
  // A redirect to this machine: whoever runs there gets the code, so the page warns.
  if (isLoopbackOrigin(model.redirectUri)) {
    warnings.push(`Access will be handed to a program on this computer (${host}). Continue only if you just started this sign-in from an application you trust.`);
  }
  const scopeItems = model.scopes.map((s) => html`<li>${SCOPE_DESCRIPTIONS[s] ?? s}</li>`);
  if (model.offline) scopeItems.push(html`<li>Keep this access without asking you again, until you revoke it or it expires</li>`);

  const body = html`
<h1><span class="client">${name}</span> wants to access your account</h1>
${model.documentHost === undefined ? '' : html`<p class="origin" aria-label="Application origin">An application from <strong>${model.documentHost}</strong></p>`}
<p>After you allow it and sign in with Microsoft, this server will send its authorization to:</p>
<code class="uri" aria-label="Redirect address">${redirectUriWithHost(model.redirectUri)}</code>
<div class="warning" role="note"><strong>Check before you allow</strong><ul>${warnings.map((w) => html`<li>${w}</li>`)}</ul></div>
<h2 id="scopes-heading">It will be able to</h2>
<ul class="scopes" aria-labelledby="scopes-heading">${scopeItems}</ul>
<p>Only allow applications you started yourself and trust. If you did not start this, choose Deny.</p>
<form method="post" action="/auth/consent">
<input type="hidden" name="request" value="${model.requestId}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="allow" class="primary">Allow</button>
</div>
</form>
<p class="fine">Application id: ${model.clientId}</p>
<p class="fine"><a href="/account">Manage connected apps</a>: see and revoke the applications you have allowed.</p>`;
  return renderPage(`Allow ${name}?`, body, { serverName: model.serverName });
}
