import type { CliOptions } from './args';
import type { BrowserEnvironment } from './browser';
import type { ConsoleOAuthProvider } from './oauth-provider';
import type { Reporter } from './output';

/** What the sign-in flow and the connection share for one run against one server. */
export interface SessionContext {
  options: CliOptions;
  /** The MCP endpoint: `<server>/mcp` (Streamable HTTP) or `<server>/sse`. */
  endpoint: URL;
  provider: ConsoleOAuthProvider;
  reporter: Reporter;
  browser: BrowserEnvironment;
}

export function endpointFor(server: string, transport: CliOptions['transport']): URL {
  return new URL(`${server}/${transport === 'sse' ? 'sse' : 'mcp'}`);
}

export function transportLabel(transport: CliOptions['transport'], protocol?: CliOptions['protocol']): string {
  if (transport === 'sse') return 'HTTP+SSE';
  return protocol ? `Streamable HTTP, MCP ${protocol}` : 'Streamable HTTP';
}
