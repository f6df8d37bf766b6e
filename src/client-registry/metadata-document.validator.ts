import { z } from 'zod';
import { metadataDocumentHost } from './client-id-url';
import { clientNameSchema, httpsUrl, MAX_REDIRECT_URIS } from './client-metadata.schema';
import { redirectUriProblem } from './redirect-uri.policy';
import { GRANT_TYPES, GrantType, RegisteredClient } from './registered-client';

/**
 * A fetched client metadata document, as far as this server uses it. Unknown fields are ignored
 * (RFC 7591 §2); display fields (`client_name`, `client_uri`, `logo_uri`) are untrusted text.
 */
const DocumentSchema = z.object({
  client_id: z.string({ error: 'client_id is missing' }),
  redirect_uris: z
    .array(z.string(), { error: 'redirect_uris is missing (it must list the redirect URIs)' })
    .min(1, 'redirect_uris is empty')
    .max(MAX_REDIRECT_URIS, `redirect_uris lists more than ${MAX_REDIRECT_URIS} URIs`),
  token_endpoint_auth_method: z.string().optional(),
  grant_types: z.array(z.string()).max(10).optional(),
  response_types: z.array(z.string()).max(5).optional(),
  client_name: clientNameSchema.optional(),
  client_uri: httpsUrl.optional(),
  logo_uri: httpsUrl.optional(),
  scope: z.string().max(1000).optional(),
  application_type: z.enum(['web', 'native']).optional(),
  contacts: z.array(z.string().max(320)).max(10).optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(100).optional(),
});

/** Methods that need a secret shared with this server: impossible for a document anyone can read. */
const SHARED_SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

export type DocumentValidation = { ok: true; client: RegisteredClient } | { ok: false; problem: string };

/**
 * Validates a client metadata document fetched from `clientId` (draft-ietf-oauth-client-id-
 * metadata-document §4 and MCP Authorization "Client ID Metadata Documents"): a JSON object whose
 * `client_id` equals the URL exactly (simple string comparison); `redirect_uris` present, each
 * allowed by the registration policy; no client secret and no shared-secret authentication
 * method; `token_endpoint_auth_method` `none` (the default here: there is no secret to present).
 * `private_key_jwt` is refused: this server does not verify client assertions. Returns the client
 * as the rest of the server sees it, or why the document is refused (the end of a sentence).
 */
export function validateMetadataDocument(clientId: string, json: unknown, now = Date.now()): DocumentValidation {
  const fail = (problem: string): DocumentValidation => ({ ok: false, problem });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('the document is not a JSON object');
  const raw = json as Record<string, unknown>;
  if (raw.client_id !== undefined && raw.client_id !== clientId) return fail('the client_id in the document is not exactly the URL it was fetched from');
  if ('client_secret' in raw || 'client_secret_expires_at' in raw) return fail('the document contains a client secret, which a public document must never hold');

  const method = raw.token_endpoint_auth_method;
  if (method === 'private_key_jwt') return fail('it asks for private_key_jwt client authentication, which this server does not support (use token_endpoint_auth_method none)');
  if (typeof method === 'string' && SHARED_SECRET_METHODS.has(method)) return fail(`it asks for ${method}, but a client metadata document cannot use a shared secret`);
  if (method !== undefined && method !== 'none') return fail('its token_endpoint_auth_method is not supported (only none is)');

  const parsed = DocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    const message = issue?.message ?? 'malformed document';
    return fail(message.startsWith(String(issue?.path[0] ?? '\0')) ? message : `${field}${message}`);
  }
  const doc = parsed.data;
  for (const uri of doc.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) return fail(`one of its redirect_uris ${problem}`);
  }
  if (doc.response_types !== undefined && !doc.response_types.includes('code')) return fail('its response_types do not include code');
  // Grant types this server does not offer (e.g. device_code) are ignored; the authorization code grant must be there.
  const grantTypes = (doc.grant_types ?? ['authorization_code', 'refresh_token']).filter((g): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g));
  if (!grantTypes.includes('authorization_code')) return fail('its grant_types do not include authorization_code');

  return {
    ok: true,
    client: {
      client_id: clientId,
      client_id_issued_at: Math.floor(now / 1000),
      client_name: doc.client_name,
      redirect_uris: doc.redirect_uris,
      grant_types: [...new Set(grantTypes)],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: doc.scope?.trim() ? doc.scope.trim() : undefined,
      application_type: doc.application_type,
      client_uri: doc.client_uri,
      logo_uri: doc.logo_uri,
      contacts: doc.contacts,
      software_id: doc.software_id,
      software_version: doc.software_version,
      last_used_at: now,
      metadata_document_host: metadataDocumentHost(clientId),
    },
  };
}
