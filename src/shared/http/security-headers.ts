import helmet from 'helmet';

/**
 * The security headers every response carries (helmet). Pages set their own, stricter CSP
 * (the consent page); JSON endpoints need none beyond helmet's defaults. One instance serves
 * the application (bootstrap) and the direct MCP route, so both answer with the same headers.
 */
export const securityHeaders = helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: false });

/** Request body limit: OAuth forms and MCP JSON-RPC messages are small. */
export const BODY_LIMIT_BYTES = 256 * 1024;
