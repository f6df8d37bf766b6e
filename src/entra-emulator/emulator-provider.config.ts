import type { Configuration, JWK, KoaContextWithOIDC } from 'oidc-provider';
import { DEMO_USERS, DemoUser, pairwiseSubject } from './demo-users';
import { EmulatorStore } from './emulator-store.adapter';
import { errorPage, signedOutPage, signOutPage } from './emulator.pages';
import { GRAPH_APP_ID, GRAPH_RESOURCE, GRAPH_SCOPE } from './graph-stand-in';
import { API_APPLICATION_ID_URI, API_FULL_SCOPE, customizeApiAccessToken, JWT_BEARER_GRANT } from './direct-mode';
import { EMULATOR_API_CLIENT_ID, EMULATOR_CLIENT_SECRET, EMULATOR_PUBLIC_CLIENT_ID } from '../config/emulator.constants';

export interface EmulatorProviderOptions {
  /** `/{tenant}`: every Entra endpoint lives under the tenant segment. */
  tenantPath: string;
  clientId: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Private signing keys, the current one first (older ones stay published after a rotation, as in Entra). */
  signingKeys: JWK[];
  cookieKeys: string[];
  store: EmulatorStore;
  /** The app registration's display name; default "MCP server". */
  appName?: string;
  /** Read on every token issue, so tests can shorten it at run time. */
  accessTokenLifetimeSeconds: () => number;
  /** The app roles a user holds now (the `roles` claim); default: the demo user's own. */
  rolesOf?: (user: DemoUser) => string[];
}

/** Entra's v2.0 endpoint layout under the tenant segment. */
export function entraRoutes(tenantPath: string) {
  return {
    authorization: `${tenantPath}/oauth2/v2.0/authorize`,
    token: `${tenantPath}/oauth2/v2.0/token`,
    jwks: `${tenantPath}/discovery/v2.0/keys`,
    end_session: `${tenantPath}/oauth2/v2.0/logout`,
    interaction: `${tenantPath}/oauth2/v2.0/interaction`,
    discovery: `${tenantPath}/v2.0/.well-known/openid-configuration`,
  };
}

const DAY = 24 * 3600;

function userForSubject(sub: string, clientId: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => pairwiseSubject(user, clientId) === sub);
}

/**
 * oidc-provider configured to behave like Entra ID v2.0 for one app registration:
 * public client with PKCE S256, automatic consent (as for an admin-consented app),
 * refresh tokens rotated on every use, JWT access tokens for Graph carrying
 * `oid`, `tid` and `scp`, and id_tokens carrying `oid`, `tid`, `name`,
 * `preferred_username`.
 */
export function emulatorProviderConfiguration(options: EmulatorProviderOptions): Configuration {
  const routes = entraRoutes(options.tenantPath);
  const roles = (user: DemoUser) => options.rolesOf?.(user) ?? user.roles;
  return {
    adapter: options.store.adapterFor,
    clients: [
      {
        client_id: options.clientId,
        client_name: `${options.appName ?? 'MCP server'} (emulated app registration)`,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris,
      },
      // Direct mode: the app registration that exposes the API; it only redeems On-Behalf-Of, with its secret.
      {
        client_id: EMULATOR_API_CLIENT_ID,
        client_secret: EMULATOR_CLIENT_SECRET,
        client_name: 'MCP server API (emulated app registration)',
        token_endpoint_auth_method: 'client_secret_post',
        application_type: 'web',
        grant_types: [JWT_BEARER_GRANT],
        response_types: [],
        redirect_uris: [],
      },
      // Direct mode: a pre-authorized public client (as VS Code is in a real tenant), PKCE and loopback redirect on any port.
      {
        client_id: EMULATOR_PUBLIC_CLIENT_ID,
        client_name: 'MCP client (emulated, pre-authorized for the API)',
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
    ],
    jwks: { keys: options.signingKeys },
    cookies: { keys: options.cookieKeys },
    routes: {
      authorization: routes.authorization,
      token: routes.token,
      jwks: routes.jwks,
      end_session: routes.end_session,
    },
    responseTypes: ['code'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      // Entra puts `roles` (assigned app roles) and `groups` (when the groups claim is configured) in the id_token.
      openid: ['sub', 'oid', 'tid', 'roles', 'groups'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
    },
    // Entra puts the profile claims in the id_token even alongside an access token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    clientBasedCORS: () => false,
    formats: { customizers: { jwt: customizeApiAccessToken(options.clientId) as never } },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      revocation: { enabled: false },
      introspection: { enabled: false },
      // Not Entra features; off so discovery advertises nothing outside the tenant's endpoints.
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          ctx.type = 'html';
          ctx.body = signOutPage(form);
        },
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = signedOutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        // Entra v2.0 derives the resource from the scope (`User.Read` = Graph, `api://…/access_as_user` = the API).
        defaultResource: async (ctx) => (String(ctx.oidc.params?.scope ?? '').includes(`${API_APPLICATION_ID_URI}/`) ? API_APPLICATION_ID_URI : GRAPH_RESOURCE),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (resourceIndicator === API_APPLICATION_ID_URI) {
            return {
              scope: API_FULL_SCOPE,
              audience: EMULATOR_API_CLIENT_ID,
              accessTokenTTL: options.accessTokenLifetimeSeconds(),
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256', kid: String(options.signingKeys[0]?.kid) } },
            };
          }
          if (resourceIndicator !== GRAPH_RESOURCE) throw new Error('unknown resource');
          return {
            scope: GRAPH_SCOPE,
            audience: GRAPH_APP_ID,
            accessTokenTTL: options.accessTokenLifetimeSeconds(),
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256', kid: String(options.signingKeys[0]?.kid) } },
          };
        },
      },
    },
    interactions: {
      url: (_ctx, interaction) => `${routes.interaction}/${interaction.uid}`,
    },
    // Consent is automatic, as for an app an admin has consented to: every scope
    // the emulator knows is granted, so the next authorization is silent.
    loadExistingGrant: async (ctx) => {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      const grant = existing ?? new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile email offline_access');
      grant.addResourceScope(GRAPH_RESOURCE, GRAPH_SCOPE);
      // The API's scope is pre-authorized for every client (admin consent), as for VS Code in a real tenant.
      grant.addResourceScope(API_APPLICATION_ID_URI, API_FULL_SCOPE);
      await grant.save();
      return grant;
    },
    // oidc-provider drops `offline_access` unless prompt=consent; the store puts it back on
    // codes (see memory.adapter.ts), so sign-ins get a refresh token as with Entra.
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    rotateRefreshToken: true,
    // Entra refresh tokens outlive the browser session (signing out does not revoke them).
    expiresWithSession: async () => false,
    findAccount: async (_ctx, sub) => {
      const user = userForSubject(sub, options.clientId);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          oid: user.oid,
          tid: user.tid,
          name: user.name,
          preferred_username: user.preferredUsername,
          email: user.mail,
          // Entra omits `roles` when none is assigned.
          ...(roles(user).length > 0 ? { roles: roles(user) } : {}),
          groups: user.groups,
        }),
      };
    },
    extraTokenClaims: async (_ctx, token) => {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const user = userForSubject(token.accountId, options.clientId);
      if (!user) return undefined;
      return { oid: user.oid, tid: user.tid, name: user.name, upn: user.preferredUsername, scp: token.scope ?? '' };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(String(out.error), out.error_description ? String(out.error_description) : undefined);
    },
    ttl: {
      AccessToken: () => options.accessTokenLifetimeSeconds(),
      AuthorizationCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * DAY,
      Grant: 90 * DAY,
      RefreshToken: 90 * DAY,
    },
  };
}
