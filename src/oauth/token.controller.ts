import { Body, Controller, Headers, HttpCode, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ClientRegistry } from '../client-registry/client-registry.service';
import { readClientCredentials } from './checks/client-credentials';
import { OAuthError, OAuthErrorCode, OAuthExceptionFilter } from '../shared/oauth-errors';
import { RateLimit, RateLimitGuard } from '../shared/rate-limit/rate-limit.guard';
import { TokenResponse, TokenService } from './token.service';
import { Public } from '../shared/auth/public.decorator';

type Form = Record<string, unknown>;

/** A single-valued form parameter (RFC 6749 §3.2: parameters must not be repeated). */
function param(body: Form, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new OAuthError(OAuthErrorCode.InvalidRequest, `The ${name} parameter must be given once.`);
  return value;
}

/** RFC 6749 §5.1/§5.2 and RFC 7009 responses are never cached. */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** `POST /token` (RFC 6749 §3.2) and `POST /revoke` (RFC 7009). */
@Public()
@Controller()
@UseFilters(OAuthExceptionFilter.forClients())
@UseGuards(RateLimitGuard)
export class TokenController {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly tokens: TokenService,
  ) {}

  @Post('token')
  @HttpCode(200)
  @RateLimit('token')
  async token(@Body() body: Form = {}, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<TokenResponse> {
    const grantType = param(body ?? {}, 'grant_type');
    if (!grantType) throw new OAuthError(OAuthErrorCode.InvalidRequest, 'grant_type is required.');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      throw new OAuthError(OAuthErrorCode.UnsupportedGrantType, 'Only authorization_code and refresh_token are supported.');
    }
    const client = await this.registry.authenticate(readClientCredentials(authorization, body ?? {}));
    res.set(NO_STORE);
    if (grantType === 'authorization_code') {
      return this.tokens.exchangeCode(client, {
        code: param(body, 'code'),
        codeVerifier: param(body, 'code_verifier'),
        redirectUri: param(body, 'redirect_uri'),
        resource: param(body, 'resource'),
      });
    }
    return this.tokens.refresh(client, {
      refreshToken: param(body, 'refresh_token'),
      scope: param(body, 'scope'),
      resource: param(body, 'resource'),
    });
  }

  @Post('revoke')
  @HttpCode(200)
  @RateLimit('revoke')
  async revoke(@Body() body: Form = {}, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<void> {
    const client = await this.registry.authenticate(readClientCredentials(authorization, body ?? {}));
    const token = param(body ?? {}, 'token');
    if (!token) throw new OAuthError(OAuthErrorCode.InvalidRequest, 'token is required.');
    res.set(NO_STORE);
    // RFC 7009 §2.2: 200 whether or not the token was known.
    await this.tokens.revoke(client, token);
  }
}
