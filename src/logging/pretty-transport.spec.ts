import { prettyTransport } from './pretty-transport';

describe('prettyTransport', () => {
  const installed = (id: string) => `/app/node_modules/${id}/index.js`;
  const missing = (id: string): string => {
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
  };

  it('pretty-prints in development when pino-pretty is installed', () => {
    expect(prettyTransport('development', installed)).toEqual({ target: 'pino-pretty', options: { singleLine: true } });
  });

  it('falls back to JSON lines in development when pino-pretty is not installed (the runtime image)', () => {
    expect(prettyTransport('development', missing)).toBeUndefined();
  });

  it('writes JSON lines in production and in tests, installed or not', () => {
    expect(prettyTransport('production', installed)).toBeUndefined();
    expect(prettyTransport('test', installed)).toBeUndefined();
  });

  it('finds the pino-pretty of this checkout (a devDependency)', () => {
    expect(prettyTransport('development')).toBeDefined();
  });
});
