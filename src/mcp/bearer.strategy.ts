import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import passport from 'passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import { AccessTokenVerifier, InvalidTokenError } from '../shared/access-token-verifier.port';
import { UserContext } from '../shared/user-context';
import { bearerTokenFrom } from './bearer-token';

/** No bearer credentials on the request at all (401 without `error`, RFC 6750 §3.1). */
export class BearerTokenMissingError extends Error {
  constructor() {
    super('No bearer token.');
    this.name = 'BearerTokenMissingError';
  }
}

let instances = 0;

/**
 * Passport strategy over this server's own access tokens (passport-custom: unlike
 * passport-http-bearer it reads nothing from the query string or body). The
 * AccessTokenVerifier does the work: one hash and a few store reads; Entra tokens
 * are unknown to it, so they are rejected like any other foreign token.
 *
 * Passport keeps strategies in a process-wide registry; each instance registers
 * under its own name so that several applications in one process (tests) never
 * verify with each other's verifier.
 */
@Injectable()
export class McpBearerStrategy extends PassportStrategy(CustomStrategy) implements OnModuleDestroy {
  readonly strategyName = `mcp-bearer-${++instances}`;

  constructor(private readonly verifier: AccessTokenVerifier) {
    super();
    passport.use(this.strategyName, this);
  }

  /** The mixin would register under the shared name `custom`: registration happens in the constructor instead. */
  getPassportInstance(): passport.PassportStatic {
    return { use: () => undefined } as unknown as passport.PassportStatic;
  }

  async validate(req: Request): Promise<UserContext> {
    const token = bearerTokenFrom(req.headers.authorization);
    if (token === undefined) throw new BearerTokenMissingError();
    if (token === null) throw new InvalidTokenError('The Authorization header does not hold a bearer token.');
    return this.verifier.verify(token);
  }

  onModuleDestroy(): void {
    passport.unuse(this.strategyName);
  }
}
