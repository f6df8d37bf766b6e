/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The bearer token of a request, read from the Authorization header only (RFC 6750
 * §2.1): a token in the query string or the body is never accepted (MCP Authorization,
 * "Token Requirements"). `undefined` = no bearer credentials at all; `null` = a
 * Bearer header whose value is not a token.
 */
export function bearerTokenFrom(authorization: string | undefined): string | null | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer(?:\s+(.*))?$/i.exec(authorization.trim());
  if (!match) return undefined;
  const token = match[1]?.trim() ?? '';
  return B64TOKEN.test(token) ? token : null;
}
