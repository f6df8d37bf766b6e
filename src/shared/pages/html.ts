import { createHash } from 'node:crypto';

/** Escapes text for HTML element content and quoted attribute values (OWASP XSS rule #1/#2). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=/]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Tagged template: interpolated values are escaped unless they are `SafeHtml` made by this module. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const parts = Array.isArray(v) ? v : [v];
    for (const part of parts) {
      if (part === undefined || part === null || part === false) continue;
      out += part instanceof SafeHtml ? part.value : escapeHtml(String(part));
    }
    out += strings[i + 1] ?? '';
  });
  return new SafeHtml(out);
}

/** The one stylesheet of the server's pages: inline, no external assets, allowed by its CSP hash. */
const STYLES = `
:root{color-scheme:light dark;--bg:#f3f5f9;--card:#fff;--text:#1b1f24;--muted:#57606a;--line:#d8dee4;--accent:#0f6cbd;--accent-text:#fff;--warn-bg:#fff8e6;--warn-line:#e4a11b;--danger:#b42318}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9da7b3;--line:#30363d;--accent:#4f9ee8;--accent-text:#0d1117;--warn-bg:#2b2111;--warn-line:#d29922;--danger:#f97066}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{width:100%;max-width:520px;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:32px;box-shadow:0 8px 24px rgba(0,0,0,.08)}
.brand{display:flex;align-items:center;gap:10px;color:var(--muted);font-size:14px;margin-bottom:20px}
.brand svg{flex:none}
h1{font-size:22px;line-height:1.3;margin:0 0 12px}
p{margin:0 0 12px}
.client{font-weight:600;word-break:break-word}
.origin{font-size:18px;margin:-4px 0 16px}
.origin strong{word-break:break-all}
.uri{display:block;margin:4px 0 16px;padding:10px 12px;border:1px solid var(--line);border-radius:8px;font:14px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all;color:var(--muted)}
.uri strong{color:var(--text);font-weight:700}
.warning{border-left:4px solid var(--warn-line);background:var(--warn-bg);padding:10px 14px;border-radius:6px;margin:0 0 16px;font-size:15px}
.warning ul{margin:6px 0 0;padding-left:20px}
h2{font-size:16px;margin:20px 0 8px}
ul.scopes{margin:0 0 20px;padding-left:22px}
ul.scopes li{margin:4px 0}
.actions{display:flex;gap:12px;margin-top:24px}
button{flex:1;font:inherit;font-weight:600;padding:10px 16px;border-radius:8px;border:1px solid var(--line);background:transparent;color:var(--text);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-text)}
button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.fine{color:var(--muted);font-size:13px;margin-top:20px}
a{color:var(--accent)}
code{font:14px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
ol.steps{margin:0 0 16px;padding-left:22px}
ol.steps li{margin:4px 0}
a.button{display:inline-block;text-align:center;text-decoration:none;font-weight:600;padding:10px 16px;border-radius:8px;background:var(--accent);color:var(--accent-text)}
a.button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.app{border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:0 0 12px}
.app h2{margin:0 0 6px}
.app dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0 0 10px;font-size:14px}
.app dt{color:var(--muted)}
.app dd{margin:0;word-break:break-word}
.notice{border-left:4px solid var(--accent);padding:8px 12px;margin:0 0 16px}
.error h1{color:var(--danger)}
`;

/** CSP source for the stylesheet above (a hash: no 'unsafe-inline'). */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLES).digest('base64')}'`;

const LOGO = new SafeHtml(
  '<svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true" focusable="false"><rect width="28" height="28" rx="6" fill="currentColor" opacity=".15"/><path d="M14 6l7 3v5c0 4.2-2.9 7.4-7 8.6C9.9 21.4 7 18.2 7 14V9l7-3z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><path d="M11 14l2.2 2.2L17.5 12" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>',
);

/** A complete page of this server: one card, the product's look, no external assets. */
export function renderPage(title: string, body: SafeHtml, options: { className?: string; serverName?: string; brandSuffix?: string } = {}): string {
  const brand = `${options.serverName ?? 'MCP server'} · ${options.brandSuffix ?? 'sign-in'}`;
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="same-origin"><title>${title}</title><style>${new SafeHtml(STYLES)}</style></head><body><main class="${options.className ?? ''}"><div class="brand">${LOGO}<span>${brand}</span></div>${body}</main></body></html>`.value}`;
}

/** A page telling the user what went wrong and what to do next; never sent to a client's redirect URI. */
export function renderErrorPage(title: string, message: string): string {
  return renderPage(
    title,
    html`<h1>${title}</h1><p>${message}</p><p class="fine">You can close this window and start the sign-in again from your application.</p>`,
    { className: 'error' },
  );
}
