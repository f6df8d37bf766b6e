import { OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { AuthFailedError, CliError, unreachable } from './errors';

/**
 * Turns a failure of the SDK's `auth()` into one sentence: unreachable server (4)
 * or failed authentication (3). OAuth error codes are named, descriptions kept
 * short; tokens never appear in these messages (the SDK does not put them there).
 */
export function authFailure(what: string, url: URL, error: unknown): CliError {
  if (error instanceof CliError) return error;
  const network = unreachable(url, error);
  if (network) return network;
  if (error instanceof OAuthError) {
    const description = error.message && error.message !== error.errorCode ? `: ${sentence(error.message)}` : '';
    return new AuthFailedError(`${what} failed (${error.errorCode})${description}.`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AuthFailedError(`${what} failed: ${sentence(message)}.`, { cause: error });
}

/** First line, without a trailing period, capped: error texts come from the network. */
export function sentence(text: string): string {
  const first = (text.split('\n')[0] ?? '').trim().replace(/\.+$/, '');
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}
