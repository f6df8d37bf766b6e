import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

const IS_PUBLIC = 'auth:public';

/**
 * Every route needs this server's bearer token unless it says otherwise (STYLE.md: guards deny
 * by default). `@Public()` on a controller or a handler opts it out: OAuth metadata and
 * endpoints, consent pages, health probes. Routes without it are answered 401 with the MCP
 * `WWW-Authenticate` challenge when the token is missing or bad.
 */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(IS_PUBLIC, true);

/** Whether the handler (or its controller) is marked `@Public()`. */
export function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
}
