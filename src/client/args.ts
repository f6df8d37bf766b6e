import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export type TransportKind = 'http' | 'sse';

/** One `--call NAME` with the `--args JSON` that follows it (default `{}`). */
export interface ToolCall {
  name: string;
  args: Record<string, unknown>;
}

/** MCP revisions the client speaks over Streamable HTTP (`--protocol`). */
export const PROTOCOL_REVISIONS = ['2026-07-28', '2025-11-25'] as const;
export type ProtocolRevision = (typeof PROTOCOL_REVISIONS)[number];
export const DEFAULT_PROTOCOL: ProtocolRevision = '2026-07-28';

export interface CliOptions {
  /** Server base URL without trailing slash, e.g. `http://localhost:8000`. */
  server: string;
  transport: TransportKind;
  /** The MCP revision for `--transport http` (HTTP+SSE is always 2024-11-05). */
  protocol: ProtocolRevision;
  listTools: boolean;
  /** `--call NAME [--args JSON]`, repeatable: the tool calls to make, in order. */
  calls: ToolCall[];
  json: boolean;
  logout: boolean;
  browser: boolean;
  /** How long to wait for the browser to come back, in seconds. */
  timeoutSeconds: number;
  /** Loopback port for the OAuth callback; undefined = chosen at registration and kept. */
  callbackPort?: number;
  /** `--client-id`: a client registered with the authorization server beforehand (no dynamic registration). */
  clientId?: string;
  /** `--client-secret`: that client's secret (only with `--client-id`). */
  clientSecret?: string;
  /** `--client-metadata-url`: where this client's metadata document is published (CIMD), used as client_id where offered. */
  clientMetadataUrl?: string;
  debug: boolean;
  help: boolean;
  version: boolean;
}

export const DEFAULT_SERVER = 'http://localhost:8000';
export const DEFAULT_TIMEOUT_SECONDS = 300;

export const HELP = `Usage: npm run client -- [options]

A console MCP client: signs in through the server's OAuth (Microsoft Entra ID
behind it), then lists and calls the server's tools.

Options:
  --server URL          MCP server base URL (default ${DEFAULT_SERVER})
  --transport http|sse  Streamable HTTP at /mcp (default) or HTTP+SSE at /sse
  --protocol REVISION   MCP revision over Streamable HTTP: ${PROTOCOL_REVISIONS.join(' (default) or ')}
  --list-tools          print the server's tools and exit
  --call NAME           call the tool NAME and print its text content; repeat
                        --call to make several calls in order in one run (the
                        first that fails ends the run)
  --args JSON           arguments for the --call before it, as a JSON object
                        (default {})
  --json                print only the JSON result on stdout
  --logout              revoke the stored tokens for --server and forget them
  --no-browser          print the sign-in URL but do not open a browser
  --timeout SECONDS     how long to wait for the browser sign-in (default ${DEFAULT_TIMEOUT_SECONDS})
  --callback-port PORT  loopback port for the sign-in callback (default: a free
                        port chosen when registering, then kept)
  --client-id ID        use this client registered with the authorization
                        server beforehand instead of registering dynamically
  --client-secret SECRET  that client's secret (client_secret_basic or _post,
                        whichever the server offers); only with --client-id
  --client-metadata-url URL  the https URL where you publish this client's
                        metadata document: used as client_id when the
                        authorization server supports Client ID Metadata
                        Documents, instead of registering dynamically
  --debug               show stack traces and SDK details on errors
  -h, --help            show this help
  --version             show the client's version

Without --list-tools, --call or --logout, and in a terminal, an interactive
prompt starts (tools, call NAME [JSON], whoami, help, quit).

Credentials are kept in $XDG_CONFIG_HOME/mcp-console-client (or the OS
equivalent), one file per server, readable only by you.

Exit codes: 0 ok, 1 tool error, 2 usage, 3 authentication failed,
4 server unreachable.
`;

/** Parses the command line (without `node` and the script). Throws {@link UsageError}. */
export function parseCliArgs(argv: string[]): CliOptions {
  let values: ReturnType<typeof parse>['values'];
  let tokens: ReturnType<typeof parse>['tokens'];
  try {
    ({ values, tokens } = parse(argv));
  } catch (error) {
    throw new UsageError(`${firstLine(error)}; see --help.`);
  }

  const transport = values.transport ?? 'http';
  if (transport !== 'http' && transport !== 'sse') {
    throw new UsageError(`--transport must be "http" or "sse" (got "${transport}").`);
  }
  const protocol = values.protocol ?? DEFAULT_PROTOCOL;
  if (!(PROTOCOL_REVISIONS as readonly string[]).includes(protocol)) {
    throw new UsageError(`--protocol must be ${PROTOCOL_REVISIONS.map((r) => `"${r}"`).join(' or ')} (got "${protocol}").`);
  }
  if (values.protocol !== undefined && transport === 'sse') {
    throw new UsageError('--protocol applies to --transport http; HTTP+SSE always speaks MCP 2024-11-05.');
  }
  const calls = toolCalls(tokens);
  if (values['client-secret'] !== undefined && values['client-id'] === undefined) {
    throw new UsageError('--client-secret needs --client-id ID.');
  }
  if (values['client-id'] !== undefined && values['client-id'].trim() === '') {
    throw new UsageError('--client-id needs a client identifier.');
  }
  const clientMetadataUrl = values['client-metadata-url'];
  if (clientMetadataUrl !== undefined && !isMetadataDocumentUrl(clientMetadataUrl)) {
    throw new UsageError(`--client-metadata-url must be an https URL with a path, such as https://example.com/client.json (got "${clientMetadataUrl}").`);
  }
  const actions = [values['list-tools'], calls.length > 0, values.logout].filter(Boolean).length;
  if (actions > 1) {
    throw new UsageError('Use only one of --list-tools, --call and --logout.');
  }

  return {
    server: parseServerUrl(values.server ?? DEFAULT_SERVER),
    transport,
    protocol: protocol as ProtocolRevision,
    listTools: values['list-tools'] ?? false,
    calls,
    json: values.json ?? false,
    logout: values.logout ?? false,
    browser: !(values['no-browser'] ?? false),
    timeoutSeconds: parsePositive(values.timeout, '--timeout', DEFAULT_TIMEOUT_SECONDS),
    callbackPort: values['callback-port'] === undefined ? undefined : parsePort(values['callback-port']),
    clientMetadataUrl,
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    debug: values.debug ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    tokens: true,
    options: {
      server: { type: 'string' },
      transport: { type: 'string' },
      protocol: { type: 'string' },
      'list-tools': { type: 'boolean' },
      call: { type: 'string', multiple: true },
      args: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      logout: { type: 'boolean' },
      'no-browser': { type: 'boolean' },
      timeout: { type: 'string' },
      'callback-port': { type: 'string' },
      'client-metadata-url': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
}

/**
 * The `--call NAME [--args JSON]` pairs in command-line order: each `--args` belongs to the
 * `--call` before it, at most one per call.
 */
function toolCalls(tokens: ReturnType<typeof parse>['tokens']): ToolCall[] {
  const calls: (ToolCall & { argsGiven: boolean })[] = [];
  for (const token of tokens) {
    if (token.kind !== 'option' || (token.name !== 'call' && token.name !== 'args')) continue;
    const value = token.value ?? '';
    if (token.name === 'call') {
      if (value.trim() === '') throw new UsageError('--call needs a tool name.');
      calls.push({ name: value, args: {}, argsGiven: false });
      continue;
    }
    const call = calls[calls.length - 1];
    if (!call) throw new UsageError('--args needs --call NAME before it.');
    if (call.argsGiven) throw new UsageError(`--args is given twice for --call ${call.name}; repeat --call NAME for another call.`);
    call.args = parseJsonObject(value, '--args');
    call.argsGiven = true;
  }
  return calls.map(({ name, args }) => ({ name, args }));
}

/** Accepts an http(s) base URL; a trailing `/mcp` or `/sse` (a pasted endpoint) is dropped. */
export function parseServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--server must be an http(s) URL such as ${DEFAULT_SERVER} (got "${raw}").`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--server must be an http(s) URL such as ${DEFAULT_SERVER} (got "${raw}").`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new UsageError('--server must not carry a query, fragment or credentials.');
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/(mcp|sse)$/, '');
  return `${url.origin}${path}`;
}

/** Parses a JSON object given on the command line (`--args`). */
export function parseJsonObject(raw: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UsageError(`${what} must be a JSON object such as '{"name":"value"}' (not valid JSON).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${what} must be a JSON object such as '{"name":"value"}'.`);
  }
  return value as Record<string, unknown>;
}

function parsePositive(raw: string | undefined, what: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(n > 0)) {
    throw new UsageError(`${what} must be a positive number of seconds (got "${raw}").`);
  }
  return n;
}

function parsePort(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) {
    throw new UsageError(`--callback-port must be a port number between 1 and 65535 (got "${raw}").`);
  }
  return n;
}

/** A Client ID Metadata Document lives at an https URL with a path (draft-ietf-oauth-client-id-metadata-document §3). */
function isMetadataDocumentUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && url.pathname !== '/' && !url.hash;
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).replace(/\.$/, '');
}
