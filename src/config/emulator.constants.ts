/**
 * Fixed identifiers of the Entra emulator, documented in the README so that a
 * server can be pointed at a standalone emulator with a stable `.env`.
 */
export const EMULATOR_TENANT_ID = '5f7c8a1e-3b2d-4c6f-9a0e-1d2b3c4d5e6f';
export const EMULATOR_CLIENT_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

/**
 * Direct mode: the emulated "expose an API" app registration (a confidential client: it redeems
 * On-Behalf-Of with EMULATOR_CLIENT_SECRET). With a real tenant the API is AUTH_CLIENT_ID's app.
 */
export const EMULATOR_API_CLIENT_ID = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
/** Direct mode: the emulated API's exposed scope (`api://<API client id>/access_as_user`). */
export const EMULATOR_API_SCOPE = 'access_as_user';
/** Direct mode: a pre-registered public client (as VS Code is for a real tenant) allowed to get tokens for the API. */
export const EMULATOR_PUBLIC_CLIENT_ID = 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f';
/**
 * Direct mode: the emulated app registration's client secret, used by the server for the
 * On-Behalf-Of exchange. A published constant: the emulator is for development and tests only.
 */
export const EMULATOR_CLIENT_SECRET = 'emulator-obo-secret-not-for-production';
