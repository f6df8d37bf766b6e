import { html, renderPage, SafeHtml } from '../shared/pages/html';
import { SCOPE_DESCRIPTIONS } from '../consent/consent.page';
import type { ConnectedAppView } from './connected-apps.service';

export interface AccountPageModel {
  name: string;
  roles: readonly string[];
  apps: readonly ConnectedAppView[];
  csrfToken: string;
  notice?: string;
}

/** `2026-12-01 14:05 UTC`: unambiguous for every reader. */
export function formatTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function appSection(app: ConnectedAppView, csrfToken: string): SafeHtml {
  const name = app.name ?? 'An application that is no longer registered';
  const where = app.hostKind === 'metadata-document' ? html`metadata published at <strong>${app.host}</strong>` : html`sends your authorization to <strong>${app.host}</strong>`;
  return html`<section class="app" aria-label="${name}">
<h2 class="client">${name}</h2>
<dl>
<dt>Recognise it by</dt><dd>${where}</dd>
<dt>It can</dt><dd>${app.scopes.map((s, i) => html`${i > 0 ? '; ' : ''}${SCOPE_DESCRIPTIONS[s] ?? s}`)}</dd>
<dt>First allowed</dt><dd>${formatTime(app.firstApprovedAt)}</dd>
<dt>Last used</dt><dd>${app.lastUsedAt === null ? 'Not used yet' : formatTime(app.lastUsedAt)}</dd>
<dt>Application id</dt><dd>${app.clientId}</dd>
</dl>
<form method="post" action="/account/revoke">
<input type="hidden" name="client_id" value="${app.clientId}">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<button type="submit" aria-label="Revoke ${name}">Revoke access</button>
</form>
</section>`;
}

/** The connected apps page: who is signed in, each allowed client with a Revoke button, Sign out. */
export function renderAccountPage(model: AccountPageModel): string {
  const apps = model.apps.length === 0 ? html`<p>You have not allowed any application to use this server as you.</p>` : model.apps.map((app) => appSection(app, model.csrfToken));
  const body = html`
<h1>Connected apps</h1>
<p>Signed in as <strong>${model.name}</strong>. ${model.roles.length > 0 ? html`Your app roles: ${model.roles.join(', ')}.` : 'You have no app roles on this server.'}</p>
${model.notice ? html`<p class="notice" role="status">${model.notice}</p>` : ''}
<p>These applications can use this server's tools as you. Revoking one ends its access at once; it has to ask you again.</p>
${apps}
<form method="post" action="/account/sign-out">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<div class="actions"><button type="submit">Sign out</button></div>
</form>`;
  return renderPage('Connected apps', body);
}

/** `/account` before signing in. */
export function renderAccountSignInPage(notice?: string): string {
  const body = html`
<h1>Connected apps</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p>Sign in with your Microsoft account to see the applications you have allowed to use this server as you, and to revoke them.</p>
<p><a class="button" href="/account/sign-in">Sign in with Microsoft</a></p>`;
  return renderPage('Connected apps', body);
}
