import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { UserContext } from '../shared/user-context';

/** The UserContext McpBearerGuard put on the request. */
export const AuthenticatedUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): UserContext => context.switchToHttp().getRequest<{ user: UserContext }>().user,
);
