import { isMetadataDocumentClientId } from '../client-registry/client-id-url';

/** One grant of the user, as the connected apps page sees it. */
export interface ConnectedGrant {
  grantId: string;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms, or null when never used. */
  lastUsedAt: number | null;
}

/** One client the user has allowed, with all its live grants folded together. */
export interface ConnectedApp {
  clientId: string;
  /** Where the user can recognise the client: its metadata document's host (CIMD) or its redirect host. */
  host: string;
  hostKind: 'metadata-document' | 'redirect';
  scopes: string[];
  /** Epoch ms of the first approval still in force. */
  firstApprovedAt: number;
  /** Epoch ms of the last use of any of its grants, or null. */
  lastUsedAt: number | null;
  grantIds: string[];
}

/**
 * The host to show for a client. A Client ID Metadata Document client's id is the https URL of
 * its document: that host vouches for it. A registered client is recognised by where its
 * authorizations go (the redirect URI's host, as the consent page showed it).
 */
export function clientHost(clientId: string, redirectUri: string): { host: string; hostKind: ConnectedApp['hostKind'] } {
  if (isMetadataDocumentClientId(clientId)) {
    try {
      return { host: new URL(clientId).host, hostKind: 'metadata-document' };
    } catch {
      // Not a URL after all: fall through to the redirect host.
    }
  }
  try {
    return { host: new URL(redirectUri).host, hostKind: 'redirect' };
  } catch {
    return { host: 'unknown', hostKind: 'redirect' };
  }
}

/** Groups grants by client, newest activity first; scopes are the union, the first approval the oldest grant. */
export function groupConnectedApps(grants: readonly ConnectedGrant[]): ConnectedApp[] {
  const byClient = new Map<string, ConnectedApp>();
  for (const grant of [...grants].sort((a, b) => a.createdAt - b.createdAt)) {
    const app = byClient.get(grant.clientId);
    if (!app) {
      byClient.set(grant.clientId, {
        clientId: grant.clientId,
        ...clientHost(grant.clientId, grant.redirectUri),
        scopes: [...grant.scopes],
        firstApprovedAt: grant.createdAt,
        lastUsedAt: grant.lastUsedAt,
        grantIds: [grant.grantId],
      });
      continue;
    }
    app.scopes = [...new Set([...app.scopes, ...grant.scopes])];
    app.lastUsedAt = Math.max(app.lastUsedAt ?? 0, grant.lastUsedAt ?? 0) || null;
    app.grantIds.push(grant.grantId);
  }
  const activity = (app: ConnectedApp) => Math.max(app.lastUsedAt ?? 0, app.firstApprovedAt);
  return [...byClient.values()].sort((a, b) => activity(b) - activity(a));
}
