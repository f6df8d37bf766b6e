import { spawnSync } from 'node:child_process';

/**
 * Whether a Redis answers PING at `url`, decided synchronously (Jest must know
 * whether to skip a suite while collecting it). Runs ioredis in a short-lived child
 * process; the URL travels in its environment, never on a command line.
 */
export function redisAnswersSync(url: string, timeoutMs = 3000): boolean {
  const script = `
    const Redis = require(${JSON.stringify(require.resolve('ioredis'))});
    const client = new Redis(process.env.PROBE_REDIS_URL, {
      lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null,
    });
    client.on('error', () => {});
    client.connect().then(() => client.ping()).then(
      () => { client.disconnect(); process.exit(0); },
      () => process.exit(1),
    );`;
  const result = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, PROBE_REDIS_URL: url },
    timeout: timeoutMs,
    stdio: 'ignore',
  });
  return result.status === 0;
}
