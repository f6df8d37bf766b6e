import type { NodeEnv } from '../config/app-config';

export interface PrettyTransport {
  target: 'pino-pretty';
  options: { singleLine: true };
}

/**
 * Human-readable log lines in development, when pino-pretty (a devDependency) is installed;
 * JSON lines otherwise. The runtime image holds production dependencies only, so a
 * development start there must not require it.
 */
export function prettyTransport(nodeEnv: NodeEnv, resolve: (id: string) => string = require.resolve): PrettyTransport | undefined {
  if (nodeEnv !== 'development') return undefined;
  try {
    resolve('pino-pretty');
  } catch {
    return undefined;
  }
  return { target: 'pino-pretty', options: { singleLine: true } };
}
