import { Injectable } from '@nestjs/common';
import { ClientRegistry } from '../client-registry/client-registry.service';
import { GrantService } from '../oauth/grant.service';
import { GrantUsageService } from '../oauth/grant-usage.service';
import { UserGrantIndex } from '../oauth/user-grant.index';
import { ConnectedApp, ConnectedGrant, groupConnectedApps } from './connected-apps';

export type ConnectedAppView = ConnectedApp & { name: string | undefined };

/**
 * The clients a user has allowed, and revoking them: what `/account` shows and does. Reads the
 * user's grant index, then each grant (only live grants of this very user count).
 */
@Injectable()
export class ConnectedAppsService {
  constructor(
    private readonly index: UserGrantIndex,
    private readonly grants: GrantService,
    private readonly usage: GrantUsageService,
    private readonly registry: ClientRegistry,
  ) {}

  async list(oid: string): Promise<ConnectedAppView[]> {
    const live = await this.liveGrants(oid);
    const apps = groupConnectedApps(live);
    return Promise.all(apps.map(async (app) => ({ ...app, name: (await this.registry.find(app.clientId))?.client_name })));
  }

  /**
   * Revokes every grant of `clientId` this user holds: their tokens stop working at once on
   * every instance (they all read the grant) and open MCP streams of them close. Returns how many.
   */
  async revoke(oid: string, clientId: string): Promise<number> {
    const entries = (await this.index.list(oid)).filter((e) => e.clientId === clientId);
    let revoked = 0;
    for (const entry of entries) {
      const grant = await this.grants.find(entry.grantId);
      // Only this user's own grants, whatever the index says.
      if (!grant || grant.identity.oid !== oid || grant.clientId !== clientId) continue;
      if (await this.grants.revoke(grant.id, 'user')) revoked++;
    }
    if (entries.length > 0) await this.index.remove(oid, entries.map((e) => e.grantId));
    return revoked;
  }

  private async liveGrants(oid: string): Promise<ConnectedGrant[]> {
    const entries = await this.index.list(oid);
    const grants = await Promise.all(
      entries.map(async (entry): Promise<ConnectedGrant | null> => {
        const grant = await this.grants.find(entry.grantId);
        if (!grant || grant.identity.oid !== oid) return null;
        return {
          grantId: grant.id,
          clientId: grant.clientId,
          redirectUri: entry.redirectUri,
          scopes: grant.scopes,
          createdAt: grant.createdAt,
          lastUsedAt: await this.usage.lastUsedAt(grant.id),
        };
      }),
    );
    return grants.filter((g): g is ConnectedGrant => g !== null);
  }
}
