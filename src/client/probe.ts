import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { ProtocolRevision, TransportKind } from './args';
import { CLIENT_ID_NAME, CLIENT_VERSION } from './client-info';
import { UnreachableError, unreachable } from './errors';

export interface ProbeResult {
  status: number;
  /** The raw `WWW-Authenticate` header, when the server sent one. */
  wwwAuthenticate?: string;
  /** `scope` from the challenge (MCP authorization: scope selection, SEP-835). */
  scope?: string;
  /** `resource_metadata` from the challenge (RFC 9728 §5.1). */
  resourceMetadataUrl?: URL;
}

/**
 * Knocks on the MCP endpoint without a token, as any client first does: a
 * protected server answers 401 and names its metadata in `WWW-Authenticate`.
 */
export async function probeEndpoint(
  endpoint: URL,
  transport: TransportKind,
  fetchFn: typeof fetch = fetch,
  protocol?: ProtocolRevision,
): Promise<ProbeResult> {
  const controller = new AbortController();
  const init: RequestInit =
    transport === 'sse'
      ? { method: 'GET', headers: { accept: 'text/event-stream' } }
      : protocol === '2026-07-28'
        ? modernProbe()
        : {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 0,
            method: 'initialize',
            params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'probe', version: '0' } },
          }),
        };
  let response: Response;
  try {
    response = await fetchFn(endpoint, { ...init, redirect: 'manual', signal: controller.signal });
  } catch (error) {
    throw unreachable(endpoint, error) ?? new UnreachableError(`Cannot reach the MCP server at ${endpoint.origin}.`, { cause: error });
  }
  // An unprotected SSE endpoint would stream forever: we only wanted the status line.
  controller.abort();
  const header = response.headers.get('www-authenticate') ?? undefined;
  return { status: response.status, wwwAuthenticate: header, ...parseBearerChallenge(header) };
}

/**
 * MCP 2026-07-28 has no `initialize`: its first request is `server/discover`, with the
 * standard headers (SEP-2243) and the per-request `_meta` envelope.
 */
function modernProbe(): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'server/discover',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'server/discover',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: CLIENT_ID_NAME, version: CLIENT_VERSION },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  };
}

/** Reads `scope` and `resource_metadata` from a `Bearer` challenge (RFC 6750 §3, RFC 9728 §5.1). */
export function parseBearerChallenge(header: string | undefined): { scope?: string; resourceMetadataUrl?: URL } {
  if (!header || !/^\s*bearer\b/i.test(header)) return {};
  const params = new Map<string, string>();
  for (const match of header.matchAll(/([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    const [, name, quoted, token] = match;
    params.set(name!.toLowerCase(), quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : token!);
  }
  let resourceMetadataUrl: URL | undefined;
  try {
    const raw = params.get('resource_metadata');
    resourceMetadataUrl = raw ? new URL(raw) : undefined;
  } catch {
    resourceMetadataUrl = undefined;
  }
  return { scope: params.get('scope') || undefined, resourceMetadataUrl };
}
