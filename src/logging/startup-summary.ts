import type { AppConfig } from '../config/app-config';

export interface StartupFacts {
  /** The port the server listens on. */
  port: number;
  /** The store in use, as its adapter describes itself (no credentials). */
  store: string;
  /** Demo users of the embedded emulator (emulator mode only). */
  demoUsers?: readonly string[];
}

/**
 * The one block the server logs when it is ready: where it listens, its MCP URLs, how sign-in
 * works (the embedded emulator and its demo users in development, or the Entra authority of the
 * tenant), and the store in use. No secrets: the client secret and signing keys are never named.
 */
export function startupSummary(config: AppConfig, facts: StartupFacts): string {
  const origin = config.serverOrigin;
  const entra = config.entra;
  const signIn =
    entra.mode === 'embedded-emulator'
      ? [
          `  Sign-in:   embedded Entra emulator at ${entra.authorityOrigin} (tenant ${entra.tenantId}; development only)`,
          `             demo users: ${(facts.demoUsers ?? []).join(', ')}`,
        ]
      : [
          `  Sign-in:   Microsoft Entra ID, authority ${entra.issuer}`,
          `             app (client) id ${entra.clientId}, ${entra.clientSecret ? 'confidential (client secret set)' : 'public client'}, redirect URI ${entra.redirectUri}`,
        ];
  return [
    `${config.serverName} is ready on ${origin} (port ${facts.port}, NODE_ENV=${config.nodeEnv})`,
    `  MCP:       ${origin}/mcp (Streamable HTTP)`,
    `             ${origin}/sse (HTTP+SSE, e.g. MCP Inspector's SSE mode)`,
    ...signIn,
    `  Store:     ${facts.store}`,
    `  About:     ${origin}/ (how to connect MCP Inspector and the console client)`,
  ].join('\n');
}
