import { z } from 'zod';
import { GRANT_TYPES, TOKEN_ENDPOINT_AUTH_METHODS } from './registered-client';

export const MAX_CLIENT_NAME_LENGTH = 100;
export const MAX_REDIRECT_URIS = 10;

export const httpsUrl = z
  .string()
  .max(2000)
  .refine((v) => {
    try {
      return new URL(v).protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an https URL');

/** A self-chosen display name: shown on the consent page (escaped), never trusted. */
export const clientNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_CLIENT_NAME_LENGTH, `client_name must be at most ${MAX_CLIENT_NAME_LENGTH} characters`)
  .refine((v) => !/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(v), 'client_name must not contain control or bidirectional-override characters');

/**
 * RFC 7591 §2 client metadata as accepted at `POST /register`. Unknown fields are ignored
 * (RFC 7591 §2: "the authorization server MUST ignore any client metadata it does not
 * understand"). Redirect URI *policy* is checked separately, to answer `invalid_redirect_uri`.
 */
export const ClientMetadataSchema = z.object({
  redirect_uris: z.array(z.string()).min(1, 'at least one redirect URI is required').max(MAX_REDIRECT_URIS, `at most ${MAX_REDIRECT_URIS} redirect URIs`),
  token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).optional(),
  grant_types: z.array(z.enum(GRANT_TYPES)).min(1).max(2).optional(),
  response_types: z.array(z.literal('code')).min(1).max(1).optional(),
  client_name: clientNameSchema.optional(),
  scope: z.string().max(1000).optional(),
  application_type: z.enum(['web', 'native']).optional(),
  client_uri: httpsUrl.optional(),
  logo_uri: httpsUrl.optional(),
  contacts: z.array(z.string().max(320)).max(10).optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(100).optional(),
});

export type ClientMetadata = z.infer<typeof ClientMetadataSchema>;
