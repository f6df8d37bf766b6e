import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { OAuthError, OAuthErrorCode } from '../oauth-errors';
import { StoreThrottlerStorage } from './store-throttler.storage';

export type RateLimitName = keyof AppConfig['rateLimits'];

const RATE_LIMIT = 'oauth:rate-limit';

/** Names the per-endpoint limit (AppConfig.rateLimits) that RateLimitGuard applies. */
export const RateLimit = (name: RateLimitName) => SetMetadata(RATE_LIMIT, name);

function limitName(reflector: Reflector, context: ExecutionContext): RateLimitName | undefined {
  return reflector.getAllAndOverride<RateLimitName | undefined>(RATE_LIMIT, [context.getHandler(), context.getClass()]);
}

/**
 * @nestjs/throttler options: one throttler whose limit and window come from the `@RateLimit`
 * name of the route (routes without one are not limited). Routes sharing a name share a budget
 * per client IP (`/authorize`, the consent page and the callback are one sign-in), counted in
 * the shared store so that all instances enforce one limit.
 */
export function rateLimitOptions(rateLimits: AppConfig['rateLimits'], reflector: Reflector, storage: StoreThrottlerStorage): ThrottlerModuleOptions {
  const settings = (context: ExecutionContext) => rateLimits[limitName(reflector, context)!];
  return {
    storage,
    skipIf: (context) => limitName(reflector, context) === undefined,
    generateKey: (context, tracker) => `${limitName(reflector, context)}:${tracker}`,
    throttlers: [
      {
        name: 'default',
        limit: (context) => settings(context).limit,
        ttl: (context) => settings(context).windowSeconds * 1000,
      },
    ],
  };
}

/**
 * Rate limits on `/register`, `/authorize`, `/token`, `/revoke` (DESIGN.md security rules).
 * Over the limit: 429 `too_many_requests` in the OAuth error shape, with `Retry-After`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new OAuthError(OAuthErrorCode.TooManyRequests, 'Too many requests; please wait a moment and try again.', {
      headers: { 'Retry-After': String(Math.max(1, detail.timeToBlockExpire)) },
    });
  }
}
