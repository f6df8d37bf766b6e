export { DEFAULT_STATUS, OAuthErrorCode } from './oauth-error-code';
export { OAuthError, RedirectableOAuthError } from './oauth.error';
export type { OAuthErrorOptions } from './oauth.error';
export { OAuthExceptionFilter } from './oauth-exception.filter';
export type { ErrorAudience } from './oauth-exception.filter';
