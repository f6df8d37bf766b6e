import { DemoUser } from './demo-users';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * The pages are self-contained (no external assets, no script): the CSP allows
 * inline styles only and forbids framing. No form-action restriction: the sign-in
 * form's redirects end at the client's redirect URI, which Chrome would check
 * against form-action.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'";

const STYLE = `
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:0 0 .5rem}
p{margin:.25rem 0 1rem}
ul{list-style:none;padding:0;margin:0}
li{display:flex;align-items:center;gap:12px;border-bottom:1px solid #e6e6e6;padding:10px 0}
button{font:inherit;font-weight:600;min-width:140px;padding:8px 12px;border:1px solid #0067b8;background:#0067b8;color:#fff;cursor:pointer;text-align:left}
button:hover,button:focus{background:#005da6}
.secondary{background:#fff;color:#0067b8}
small{color:#605e5c}
footer{margin-top:1.5rem;font-size:.8rem;color:#605e5c}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
<footer>Entra ID emulator for development and tests. Not Microsoft. Never used in production.</footer>
</main></body>
</html>`;
}

/** Sign-in page: one button per demo user, named by the display name (what people and browser tests click). */
export function signInPage(action: string, users: readonly DemoUser[], clientName: string): string {
  const items = users
    .map(
      (user, index) =>
        `<li><button type="submit" name="user" value="${escapeHtml(user.oid)}"${index === 0 ? ' autofocus' : ''}>${escapeHtml(user.name)}</button>` +
        `<small>${escapeHtml(user.preferredUsername)} · ${escapeHtml(user.jobTitle)}</small></li>`,
    )
    .join('\n');
  return page(
    'Sign in to your account',
    `<h1>Sign in</h1>
<p>Pick an account to continue to <strong>${escapeHtml(clientName)}</strong>.</p>
<form method="post" action="${escapeHtml(action)}"><ul>
${items}
</ul></form>`,
  );
}

/** Sign-out confirmation: `form` is oidc-provider's hidden form (xsrf token), submitted by the buttons. */
export function signOutPage(form: string): string {
  return page(
    'Sign out',
    `<h1>Sign out</h1>
<p>Sign out of the emulated tenant in this browser?</p>
${form}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button></p>`,
  );
}

export function signedOutPage(): string {
  return page('Signed out', '<h1>You signed out of your account</h1><p>It is a good idea to close all browser windows.</p>');
}

/** Error page: shows the OAuth error code and description only (never request data). */
export function errorPage(error: string, description?: string): string {
  return page(
    'Sign-in error',
    `<h1>Sorry, but we are having trouble signing you in.</h1>
<p><strong>${escapeHtml(error)}</strong></p>${description ? `<p>${escapeHtml(description)}</p>` : ''}`,
  );
}
