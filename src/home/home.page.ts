import { html, renderPage } from '../shared/pages/html';

/** What `GET /` tells people and clients: what this server is and where to connect. */
export interface ServerDescription {
  name: string;
  description: string;
  mcp: { streamable_http: string; sse: string };
  sign_in: { provider: 'Microsoft Entra ID' | 'Entra emulator (development)'; authority: string };
  metadata: { protected_resource: string; authorization_server: string };
  health: { live: string; ready: string };
  /** The connected apps page, where people see and revoke the clients they allowed (absent in direct-only mode). */
  connected_apps?: string;
}

/** The small page for people who open the server's URL in a browser. */
export function renderHomePage(server: ServerDescription): string {
  const link = (url: string) => html`<a href="${url}"><code>${url}</code></a>`;
  const body = html`<h1>${server.name}</h1>
<p>${server.description}</p>
<h2>MCP endpoints</h2>
<p>Streamable HTTP:</p><code class="uri">${server.mcp.streamable_http}</code>
<p>HTTP+SSE (older clients, MCP Inspector's SSE mode):</p><code class="uri">${server.mcp.sse}</code>
<p>Sign-in: ${server.sign_in.provider} at <code>${server.sign_in.authority}</code>. Clients register themselves and you approve each one on this server's consent page.</p>
<h2>Connect MCP Inspector</h2>
<ol class="steps">
<li>Run <code>npx -y -p node@22 -p @modelcontextprotocol/inspector@2.12.0 mcp-inspector --web</code>.</li>
<li><strong>Add Servers</strong> → <strong>Add manually</strong>: transport <strong>streamable-http</strong> with the first URL above, or <strong>sse</strong> with the second.</li>
<li>Flip <strong>Connect</strong>, choose <strong>Allow</strong> here, sign in with Microsoft, then <strong>Tools</strong> → <strong>get_user_name</strong> → <strong>Execute Tool</strong>.</li>
</ol>
<h2>Connect the console client</h2>
<p>From this project: <code>npm run client -- --server ${new URL(server.mcp.streamable_http).origin}</code></p>
${server.connected_apps ? html`<h2>Your connected apps</h2>
<p>See the applications you have allowed to use this server as you, and revoke any of them: <a href="${server.connected_apps}">manage connected apps</a>.</p>
` : ''}<h2>For machines</h2>
<ul class="scopes">
<li>${link(server.metadata.protected_resource)}</li>
<li>${link(server.metadata.authorization_server)}</li>
<li>${link(server.health.live)} · ${link(server.health.ready)}</li>
</ul>
<p class="fine">Ask for <code>application/json</code> to get this as JSON.</p>`;
  return renderPage(server.name, body, { serverName: server.name, brandSuffix: 'about' });
}
