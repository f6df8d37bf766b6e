import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import passport from 'passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import { AppConfig } from '../config/app-config';
import { EntraAccessTokenVerifier, looksLikeJwt } from '../entra/entra-access-token.verifier';
import { InvalidTokenError } from '../shared/access-token-verifier.port';
import { UserContext } from '../shared/user-context';
import { bearerTokenFrom } from './bearer-token';
import { BearerTokenMissingError } from './bearer.strategy';

let instances = 0;

/**
 * Passport strategy over Microsoft Entra ID access tokens for this API (AUTH_MODE direct or
 * both). In `both` mode it runs first and passes (fails softly, so passport tries this server's
 * own strategy next) on anything that is not a JWT: this server's tokens are opaque. Registered
 * under its own name per instance, like McpBearerStrategy.
 */
@Injectable()
export class EntraBearerStrategy extends PassportStrategy(CustomStrategy) implements OnModuleDestroy {
  readonly strategyName = `entra-bearer-${++instances}`;
  private readonly alone: boolean;

  constructor(
    private readonly verifier: EntraAccessTokenVerifier,
    config: AppConfig,
  ) {
    super();
    this.alone = config.authMode === 'direct';
    passport.use(this.strategyName, this);
  }

  getPassportInstance(): passport.PassportStatic {
    return { use: () => undefined } as unknown as passport.PassportStatic;
  }

  /** `null` = not an Entra token: let the next strategy decide (both mode only). */
  async validate(req: Request): Promise<UserContext | null> {
    const token = bearerTokenFrom(req.headers.authorization);
    if (!this.alone && (!token || !looksLikeJwt(token))) return null;
    if (token === undefined) throw new BearerTokenMissingError();
    if (token === null) throw new InvalidTokenError('The Authorization header does not hold a bearer token.');
    return this.verifier.verify(token);
  }

  onModuleDestroy(): void {
    passport.unuse(this.strategyName);
  }
}
