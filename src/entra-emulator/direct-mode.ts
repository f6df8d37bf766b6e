import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, errors as joseErrors, importJWK, JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { JWK, KoaContextWithOIDC } from 'oidc-provider';
import { EMULATOR_API_CLIENT_ID, EMULATOR_API_SCOPE, EMULATOR_TENANT_ID } from '../config/emulator.constants';
import { DemoUser, DEMO_USERS, pairwiseSubject } from './demo-users';
import { GRAPH_APP_ID, GRAPH_RESOURCE, GRAPH_SCOPE } from './graph-stand-in';

/**
 * Entra "direct mode" in the emulator: an app registration that exposes an API
 * (Application ID URI `api://<API client id>`, scope `access_as_user`), v2.0 access tokens for
 * it with Entra's claim set, and the On-Behalf-Of grant at the token endpoint.
 */
export const API_APPLICATION_ID_URI = `api://${EMULATOR_API_CLIENT_ID}`;
export const API_FULL_SCOPE = `${API_APPLICATION_ID_URI}/${EMULATOR_API_SCOPE}`;
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** How the emulator answers an On-Behalf-Of request it is told to refuse (a test switch). */
export interface OboRefusal {
  error: string;
  /** Starts with the AADSTS code, as Entra's do. */
  errorDescription: string;
  /** A Conditional Access claims challenge (JSON text), as Entra sends with `interaction_required`. */
  claims?: string;
}

/** AADSTS65001 as Entra words it when nobody has consented to the API using Graph. */
export const CONSENT_REQUIRED: OboRefusal = {
  error: 'invalid_grant',
  errorDescription:
    "AADSTS65001: The user or administrator has not consented to use the application with ID '" +
    `${EMULATOR_API_CLIENT_ID}' named 'MCP server API'. Send an interactive authorization request for this user and resource.`,
};

/** The signing state the direct-mode pieces read on every request (keys rotate at run time). */
export interface DirectModeKeys {
  /** Private JWKs, the current signing key first. */
  signingKeys(): JWK[];
  issuer(): string;
  accessTokenLifetimeSeconds(): number;
}

function userOfAccount(accountId: string, serverClientId: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => pairwiseSubject(user, serverClientId) === accountId);
}

/** Entra's v2.0 access-token claims for a user and a client (what real tokens for an API carry). */
export function entraV2Claims(user: DemoUser, audience: string, clientId: string, scp: string): JWTPayload {
  return {
    aud: audience,
    azp: clientId,
    azpacr: '0',
    name: user.name,
    oid: user.oid,
    preferred_username: user.preferredUsername,
    // Entra puts the user's app roles (omitted when none) and, when configured, group ids in access tokens too.
    ...(user.roles.length > 0 ? { roles: user.roles } : {}),
    groups: user.groups,
    scp,
    sub: pairwiseSubject(user, audience),
    tid: EMULATOR_TENANT_ID,
    uti: randomUUID().replace(/-/g, '').slice(0, 22),
    ver: '2.0',
  };
}

/**
 * oidc-provider's JWT customizer: access tokens for the API get Entra's v2.0 shape (`azp`,
 * `scp` with the bare scope name, `ver`, `uti`, `aud` = the API's client id, `typ: JWT`) instead
 * of RFC 9068's (`client_id`, `scope`, `jti`, `at+jwt`). Graph tokens keep theirs.
 */
export function customizeApiAccessToken(serverClientId: string) {
  return async (_ctx: unknown, token: { accountId?: string; clientId?: string; scope?: string }, jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> }) => {
    if (jwt.payload.aud !== EMULATOR_API_CLIENT_ID || !token.accountId) return;
    const user = userOfAccount(token.accountId, serverClientId);
    if (!user) return;
    const scp = (token.scope ?? '')
      .split(' ')
      .filter((scope) => scope.startsWith(`${API_APPLICATION_ID_URI}/`))
      .map((scope) => scope.slice(API_APPLICATION_ID_URI.length + 1))
      .join(' ');
    const { iss, iat, exp } = jwt.payload;
    jwt.payload = { ...entraV2Claims(user, EMULATOR_API_CLIENT_ID, String(token.clientId), scp), iss, iat, nbf: iat, exp };
    jwt.header = { ...jwt.header, typ: 'JWT' };
  };
}

/** Signs a JWT with the emulator's current RS256 key (API tokens for tests, Graph tokens from On-Behalf-Of). */
export async function signWithCurrentKey(keys: DirectModeKeys, payload: JWTPayload, typ: string): Promise<string> {
  const [current] = keys.signingKeys();
  if (!current) throw new Error('the emulator has no signing key');
  const key = await importJWK(current as never, 'RS256');
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ, kid: String(current.kid) }).sign(key);
}

function publicKeys(keys: DirectModeKeys) {
  return createLocalJWKSet({ keys: keys.signingKeys().map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use })) as never });
}

function refuse(ctx: KoaContextWithOIDC, refusal: OboRefusal): void {
  const code = /AADSTS(\d+)/.exec(refusal.errorDescription)?.[1];
  ctx.status = 400;
  ctx.body = {
    error: refusal.error,
    error_description: refusal.errorDescription,
    error_codes: code ? [Number(code)] : [],
    timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
    ...(refusal.claims ? { claims: refusal.claims } : {}),
  };
}

export interface OboState {
  /** When set, every On-Behalf-Of request is refused with it. */
  refusal?: OboRefusal;
  /** Successful exchanges since start or the last reset. */
  exchanges: number;
}

/**
 * The On-Behalf-Of grant (`urn:ietf:params:oauth:grant-type:jwt-bearer` with
 * `requested_token_use=on_behalf_of`), registered with oidc-provider's registerGrantType: the
 * API app (authenticated by its secret: oidc-provider checked it) trades a user's access token
 * for the API for a Graph token of the same user. Only Graph's `User.Read` is offered.
 */
export function onBehalfOfGrant(keys: DirectModeKeys, state: OboState) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    if (ctx.oidc.client?.clientId !== EMULATOR_API_CLIENT_ID) {
      return refuse(ctx, { error: 'unauthorized_client', errorDescription: 'AADSTS70001: The client is not allowed to use the On-Behalf-Of flow.' });
    }
    if (params.requested_token_use !== 'on_behalf_of') {
      return refuse(ctx, { error: 'invalid_request', errorDescription: "AADSTS900144: The request body must contain the following parameter: 'requested_token_use'." });
    }
    if (state.refusal) return refuse(ctx, state.refusal);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(params.assertion ?? '', publicKeys(keys), {
        algorithms: ['RS256'],
        issuer: keys.issuer(),
        audience: [EMULATOR_API_CLIENT_ID, API_APPLICATION_ID_URI],
      }));
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      return refuse(ctx, {
        error: 'invalid_grant',
        errorDescription: expired
          ? 'AADSTS500133: Assertion is not within its valid time range.'
          : 'AADSTS50013: Assertion failed signature validation.',
      });
    }
    const scopes = (params.scope ?? '').split(' ');
    const graphScope = `${GRAPH_RESOURCE}/${GRAPH_SCOPE}`;
    if (!scopes.some((scope) => scope.toLowerCase() === graphScope.toLowerCase())) {
      return refuse(ctx, { error: 'invalid_scope', errorDescription: `AADSTS70011: The provided value for the input parameter 'scope' is not valid. Only ${graphScope} is offered.` });
    }
    const user = DEMO_USERS.find((candidate) => candidate.oid === claims.oid);
    if (!user || typeof claims.scp !== 'string') {
      return refuse(ctx, { error: 'invalid_grant', errorDescription: 'AADSTS50013: The assertion is not a delegated token of a user of this tenant.' });
    }
    const lifetime = keys.accessTokenLifetimeSeconds();
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await signWithCurrentKey(
      keys,
      {
        iss: keys.issuer(),
        aud: GRAPH_APP_ID,
        iat: now,
        nbf: now,
        exp: now + lifetime,
        sub: user.oid,
        oid: user.oid,
        tid: user.tid,
        name: user.name,
        upn: user.preferredUsername,
        appid: EMULATOR_API_CLIENT_ID,
        scp: GRAPH_SCOPE,
        jti: randomUUID(),
      },
      'at+jwt',
    );
    state.exchanges += 1;
    ctx.status = 200;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { token_type: 'Bearer', scope: graphScope, expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken };
  };
}
