import { CallHandler, ExecutionContext } from '@nestjs/common';
import { defer, lastValueFrom, of } from 'rxjs';
import { UserContext } from '../shared/user-context';
import { UserContextAccessor } from './user-context.accessor';
import { UserContextInterceptor } from './user-context.interceptor';

describe('UserContextInterceptor', () => {
  const accessor = new UserContextAccessor();
  const interceptor = new UserContextInterceptor(accessor);
  const adele = { oid: 'adele', name: 'Adele Vance' } as UserContext;
  const contextOf = (type: string, user?: UserContext) =>
    ({ getType: () => type, getArgByIndex: () => ({ tool: 't', input: {}, user }) }) as unknown as ExecutionContext;

  it('makes the call\'s user current for the handler, across awaits', async () => {
    const next: CallHandler = {
      handle: () =>
        defer(async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return accessor.get().name;
        }),
    };
    await expect(lastValueFrom(interceptor.intercept(contextOf('mcp', adele), next))).resolves.toBe('Adele Vance');
  });

  it('leaves no user behind after the call', async () => {
    await lastValueFrom(interceptor.intercept(contextOf('mcp', adele), { handle: () => of(1) }));
    expect(accessor.find()).toBeUndefined();
    expect(() => accessor.get()).toThrow(/outside an MCP tool call/);
  });

  it('passes HTTP requests through untouched: the handler runs once, with no user made current', async () => {
    // The HTTP arguments carry a user too, so an interceptor that treated them as a tool call would be caught.
    const handle = jest.fn(() => defer(async () => ({ current: accessor.find(), value: 42 })));
    await expect(lastValueFrom(interceptor.intercept(contextOf('http', adele), { handle }))).resolves.toEqual({ current: undefined, value: 42 });
    expect(handle).toHaveBeenCalledTimes(1);
  });
});
