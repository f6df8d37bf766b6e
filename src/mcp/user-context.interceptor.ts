import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { MCP_CONTEXT_TYPE, McpContextType, ToolCall } from './tool-call';
import { UserContextAccessor } from './user-context.accessor';

/**
 * Puts the caller's UserContext in AsyncLocalStorage around a tool call, so tool
 * code (and the services it calls) reach it through UserContextAccessor. Runs on
 * both transports because tool handlers go through Nest's ExternalContextCreator.
 */
@Injectable()
export class UserContextInterceptor implements NestInterceptor {
  constructor(private readonly users: UserContextAccessor) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<McpContextType>() !== MCP_CONTEXT_TYPE) return next.handle();
    const { user } = context.getArgByIndex<ToolCall>(0);
    // next.handle() binds the handler to the async context it is called in: call it inside run().
    return new Observable((subscriber) => this.users.run(user, () => next.handle().subscribe(subscriber)));
  }
}
