/**
 * Fixed identifiers of the Entra emulator, documented in the README so that a
 * server can be pointed at a standalone emulator with a stable `.env`.
 */
export const EMULATOR_TENANT_ID = '5f7c8a1e-3b2d-4c6f-9a0e-1d2b3c4d5e6f';
export const EMULATOR_CLIENT_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
