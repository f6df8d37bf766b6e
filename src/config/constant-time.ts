import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets without leaking where they differ (timing side channel).
 * Both sides are hashed first so that different lengths take the same time.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** SHA-256 hex digest: how tokens, codes and secrets are stored (never in the clear). */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
