/** Token endpoint authentication methods this server supports (RFC 7591 §2). */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

export const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** A dynamically registered client as stored (`client:<client_id>`). Secrets are stored only as SHA-256. */
export interface RegisteredClient {
  client_id: string;
  /** SHA-256 hex of the client secret; absent for public clients. */
  client_secret_hash?: string;
  /** Seconds since the epoch (RFC 7591 §3.2.1). */
  client_id_issued_at: number;
  client_name?: string;
  redirect_uris: string[];
  grant_types: GrantType[];
  response_types: ['code'];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  scope?: string;
  application_type?: 'web' | 'native';
  client_uri?: string;
  logo_uri?: string;
  contacts?: string[];
  software_id?: string;
  software_version?: string;
  /** Epoch ms of the last use: registrations unused for CLIENT_REGISTRATION_TTL_DAYS expire. */
  last_used_at: number;
  /**
   * Set only for a client identified by a Client ID Metadata Document (its `client_id` is the
   * document's https URL): the host serving the document (`example.com`, with a port if any),
   * which pages show as the application's origin. Such clients are never stored.
   */
  metadata_document_host?: string;
}

export function isConfidential(client: RegisteredClient): boolean {
  return client.token_endpoint_auth_method !== 'none';
}
