import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { UserContext } from '../shared/user-context';

/**
 * The user behind the tool call being run, for tool code and anything it calls.
 * Backed by AsyncLocalStorage (set by UserContextInterceptor around every tool
 * call), not by request-scoped providers: request scope would spread up the DI
 * chain, and on SSE the tool runs after the HTTP request has been answered.
 */
@Injectable()
export class UserContextAccessor {
  private readonly storage = new AsyncLocalStorage<UserContext>();

  /** Runs `fn` with `user` as the current user. */
  run<T>(user: UserContext, fn: () => T): T {
    return this.storage.run(user, fn);
  }

  /** The current user; throws when called outside a tool call (a programming error). */
  get(): UserContext {
    const user = this.storage.getStore();
    if (!user) throw new Error('No user context: UserContextAccessor.get() was called outside an MCP tool call.');
    return user;
  }

  /** The current user, or undefined outside a tool call. */
  find(): UserContext | undefined {
    return this.storage.getStore();
  }
}
