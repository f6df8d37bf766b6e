import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { authFailure, sentence } from './auth-errors';
import { CLIENT_ID_NAME, CLIENT_VERSION } from './client-info';
import { AuthFailedError, CliError, unreachable, UnreachableError } from './errors';
import { SessionContext, transportLabel } from './session-context';

export interface Connection {
  client: Client;
  close(): Promise<void>;
}

/** True for the SDK's "you must sign in (again)" signals. */
export function needsSignIn(error: unknown): boolean {
  return error instanceof UnauthorizedError;
}

/**
 * Makes sure usable tokens are stored: refreshes an expired access token
 * (the SDK's `auth()` uses the refresh token), and reports whether a browser
 * sign-in is needed instead.
 */
export async function ensureFreshTokens(ctx: SessionContext): Promise<'ready' | 'sign-in'> {
  const { provider, endpoint, reporter } = ctx;
  if (!provider.hasStoredSignIn()) return 'sign-in';
  if (!provider.accessTokenExpired()) return 'ready';
  reporter.step('The access token has expired; refreshing it...');
  try {
    const result = await auth(provider, { serverUrl: endpoint });
    if (result === 'AUTHORIZED') return 'ready';
    reporter.warn('The server refused the refresh token; a browser sign-in is needed.');
    return 'sign-in';
  } catch (error) {
    throw authFailure('Refreshing the access token', endpoint, error);
  }
}

/** Opens an MCP session over the chosen transport with the stored tokens. */
export async function openConnection(ctx: SessionContext): Promise<Connection> {
  const { endpoint, provider, options, reporter } = ctx;
  reporter.step(`Connecting to ${endpoint.href} (${transportLabel(options.transport)})...`);
  const transport =
    options.transport === 'sse'
      ? new SSEClientTransport(endpoint, { authProvider: provider })
      : new StreamableHTTPClientTransport(endpoint, { authProvider: provider });
  const client = new Client({ name: CLIENT_ID_NAME, version: CLIENT_VERSION }, { capabilities: {} });
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw error;
  }
  const server = client.getServerVersion();
  reporter.success(`Connected${server ? ` to ${server.name} ${server.version}` : ''}.`);
  return {
    client,
    async close() {
      if (transport instanceof StreamableHTTPClientTransport) {
        // Ends the server-side session now instead of leaving it to idle out.
        await transport.terminateSession().catch(() => undefined);
      }
      await client.close().catch(() => undefined);
    },
  };
}

/**
 * One sentence for a failure while connecting or talking to the server: auth
 * failures exit 3, everything else that stops us from talking to it exits 4.
 */
export async function connectionFailure(ctx: SessionContext, error: unknown): Promise<CliError> {
  if (error instanceof CliError) return error;
  const { endpoint } = ctx;
  if (needsSignIn(error)) {
    return new AuthFailedError('The server did not accept the sign-in (run the command again to sign in anew).', { cause: error });
  }
  const status = httpStatus(error);
  if (status === 401) {
    return new AuthFailedError('The server rejected the new access token (HTTP 401).', { cause: error });
  }
  if (status === 403) {
    return new AuthFailedError('The server refused access: the sign-in lacks a permission this server requires (HTTP 403).', {
      cause: error,
    });
  }
  const network = unreachable(endpoint, error) ?? (await checkReachable(endpoint));
  if (network) return network;
  if (status === 404) {
    return new UnreachableError(`${endpoint.href} answered HTTP 404: is this an MCP server, and does it offer this transport?`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UnreachableError(`Could not talk to the MCP server at ${endpoint.href}: ${sentence(message)}.`, { cause: error });
}

function httpStatus(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError || error instanceof SseError) return error.code;
  return undefined;
}

/** SSE connection errors hide the network cause: ask the server directly. */
async function checkReachable(endpoint: URL): Promise<UnreachableError | undefined> {
  try {
    const res = await fetch(endpoint.origin, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return undefined;
  } catch (error) {
    return unreachable(endpoint, error);
  }
}
