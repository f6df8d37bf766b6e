import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { OAuthError, OAuthErrorCode } from './errors';

export type RateLimitName = keyof AppConfig['rateLimits'];

const RATE_LIMIT = 'oauth:rate-limit';

/** Names the per-endpoint limit (AppConfig.rateLimits) that RateLimitGuard applies. */
export const RateLimit = (name: RateLimitName) => SetMetadata(RATE_LIMIT, name);

interface Window {
  startedAt: number;
  count: number;
}

interface Counters {
  windows: Map<string, Window>;
  lastSweep: number;
}

/**
 * Counters kept in memory, one set per application (keyed by its configuration object, so several
 * apps in one process, as in tests, do not share them): a limit per instance, like
 * @nestjs/throttler's default storage.
 */
const countersByApp = new WeakMap<AppConfig, Counters>();

/**
 * Fixed-window rate limit per endpoint and client IP (DESIGN.md: rate limits on `/register`,
 * `/authorize`, `/token`, `/revoke`). Over the limit: 429 `too_many_requests` with `Retry-After`.
 * Routes without `@RateLimit` pass (the limit is opt-in per endpoint, not an auth decision).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const name = this.reflector.getAllAndOverride<RateLimitName | undefined>(RATE_LIMIT, [context.getHandler(), context.getClass()]);
    if (!name) return true;
    const { limit, windowSeconds } = this.config.rateLimits[name];
    const req = context.switchToHttp().getRequest<Request>();
    const now = Date.now();
    const windowMs = windowSeconds * 1000;
    const counters = this.counters();
    this.sweep(counters, now, windowMs);
    const windows = counters.windows;
    const key = `${name}|${req.ip ?? 'unknown'}`;
    let window = windows.get(key);
    if (!window || now - window.startedAt >= windowMs) {
      window = { startedAt: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= limit) return true;
    const retryAfter = Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    throw new OAuthError(OAuthErrorCode.TooManyRequests, 'Too many requests; please wait a moment and try again.', {
      headers: { 'Retry-After': String(retryAfter) },
    });
  }

  private counters(): Counters {
    let counters = countersByApp.get(this.config);
    if (!counters) {
      counters = { windows: new Map(), lastSweep: Date.now() };
      countersByApp.set(this.config, counters);
    }
    return counters;
  }

  private sweep(counters: Counters, now: number, windowMs: number): void {
    if (now - counters.lastSweep < 60_000) return;
    counters.lastSweep = now;
    for (const [key, w] of counters.windows) if (now - w.startedAt >= Math.max(windowMs, 60_000)) counters.windows.delete(key);
  }
}
