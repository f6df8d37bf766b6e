import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { constantTimeEqual, sha256 } from '../config/constant-time';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import { OAuthError, OAuthErrorCode } from '../shared/oauth-errors';
import { ClientMetadata, ClientMetadataSchema } from './client-metadata.schema';
import { isMetadataDocumentClientId } from './client-id-url';
import { MetadataDocumentClients, MetadataDocumentError } from './metadata-document-clients.service';
import { redirectUriProblem } from './redirect-uri.policy';
import { isConfidential, RegisteredClient } from './registered-client';
import { DAY_MS } from '../shared/time';

/** A registration's expiry is pushed back at most this often (one store write per hour per client). */
const TOUCH_INTERVAL_MS = 60 * 60 * 1000;

/** What `POST /register` returns (RFC 7591 §3.2.1): the stored metadata plus the one-time secret. */
export type RegistrationResponse = Omit<RegisteredClient, 'client_secret_hash' | 'last_used_at'> & {
  client_secret?: string;
  client_secret_expires_at?: number;
};

/** Credentials a client presented at the token or revocation endpoint. */
export interface PresentedClientCredentials {
  clientId: string;
  clientSecret?: string;
  /** How they were presented: `client_secret_basic` needs a `WWW-Authenticate` on failure. */
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** Dynamic client registration (RFC 7591), lookup and client authentication (RFC 6749 §2.3). */
@Injectable()
export class ClientRegistry {
  private readonly clients: JsonStore<RegisteredClient>;

  constructor(
    store: Store,
    private readonly config: AppConfig,
    private readonly documents: MetadataDocumentClients,
  ) {
    this.clients = new JsonStore<RegisteredClient>(store, 'client');
  }

  private get ttlMs(): number {
    return this.config.clientRegistrationTtlDays * DAY_MS;
  }

  /** Validates metadata (RFC 7591 §3.2.2 errors) and stores the new client. */
  async register(body: unknown): Promise<RegistrationResponse> {
    const metadata = this.validate(body);
    const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
    const secret = method === 'none' ? undefined : randomBytes(32).toString('base64url');
    const client: RegisteredClient = {
      client_id: randomUUID(),
      client_secret_hash: secret === undefined ? undefined : sha256(secret),
      client_id_issued_at: Math.floor(Date.now() / 1000),
      client_name: metadata.client_name,
      redirect_uris: metadata.redirect_uris,
      grant_types: metadata.grant_types ?? ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: method,
      scope: metadata.scope?.trim() ? metadata.scope.trim() : undefined,
      application_type: metadata.application_type,
      client_uri: metadata.client_uri,
      logo_uri: metadata.logo_uri,
      contacts: metadata.contacts,
      software_id: metadata.software_id,
      software_version: metadata.software_version,
      last_used_at: Date.now(),
    };
    if (!client.grant_types.includes('authorization_code')) {
      throw new OAuthError(OAuthErrorCode.InvalidClientMetadata, 'grant_types must include authorization_code.');
    }
    await this.clients.set(client.client_id, client, this.ttlMs);
    const { client_secret_hash: _hash, last_used_at: _used, ...published } = client;
    const response: RegistrationResponse = Object.fromEntries(
      Object.entries(published).filter(([, v]) => v !== undefined),
    ) as RegistrationResponse;
    if (secret !== undefined) Object.assign(response, { client_secret: secret, client_secret_expires_at: 0 });
    return response;
  }

  /**
   * The client, or null if unknown or expired. A `client_id` that is an https URL names a Client
   * ID Metadata Document: its client comes from the document (with `metadata_document_host`), and
   * a document that cannot be used is `invalid_client` with the reason, never null.
   */
  async find(clientId: string, status = 400): Promise<RegisteredClient | null> {
    if (isMetadataDocumentClientId(clientId)) {
      try {
        return await this.documents.resolve(clientId);
      } catch (error) {
        if (error instanceof MetadataDocumentError) throw new OAuthError(OAuthErrorCode.InvalidClient, error.message, { status });
        throw error;
      }
    }
    if (clientId.length === 0 || clientId.length > 200) return null;
    return this.clients.get(clientId);
  }

  /** Keeps a used registration alive for another CLIENT_REGISTRATION_TTL_DAYS (document clients are not stored). */
  async touch(client: RegisteredClient): Promise<void> {
    if (client.metadata_document_host !== undefined) return;
    const now = Date.now();
    if (now - client.last_used_at < TOUCH_INTERVAL_MS) return;
    await this.clients.set(client.client_id, { ...client, last_used_at: now }, this.ttlMs);
  }

  /**
   * RFC 6749 §2.3.1 / §5.2: authenticates the client at the token and revocation endpoints.
   * Every failure is `invalid_client` (401; with `WWW-Authenticate: Basic` when Basic was used),
   * with the same message, so the response does not reveal which part was wrong.
   */
  async authenticate(credentials: PresentedClientCredentials): Promise<RegisteredClient> {
    const client = await this.find(credentials.clientId, 401);
    const fail = () =>
      new OAuthError(OAuthErrorCode.InvalidClient, 'Client authentication failed.', {
        headers: credentials.method === 'client_secret_basic' ? { 'WWW-Authenticate': 'Basic realm="token", charset="UTF-8"' } : {},
      });
    if (!client) {
      // Same work as a real comparison, so unknown ids are not faster to reject.
      constantTimeEqual(sha256(credentials.clientSecret ?? ''), sha256('unknown-client'));
      throw fail();
    }
    if (!isConfidential(client)) {
      if (credentials.clientSecret !== undefined) throw fail();
    } else if (
      credentials.clientSecret === undefined ||
      credentials.method === 'none' ||
      !constantTimeEqual(sha256(credentials.clientSecret), client.client_secret_hash ?? '')
    ) {
      throw fail();
    }
    await this.touch(client);
    return client;
  }

  private validate(body: unknown): ClientMetadata {
    const parsed = ClientMetadataSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[0];
      const code = field === 'redirect_uris' ? OAuthErrorCode.InvalidRedirectUri : OAuthErrorCode.InvalidClientMetadata;
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new OAuthError(code, `Invalid client metadata: ${where}${issue?.message ?? 'malformed request'}.`.replace('..', '.'));
    }
    for (const uri of parsed.data.redirect_uris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new OAuthError(OAuthErrorCode.InvalidRedirectUri, `Every redirect URI ${problem}.`);
    }
    return parsed.data;
  }
}
