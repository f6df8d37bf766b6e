/**
 * Tests that need an outside part (Redis, Chromium) use these: on a developer
 * machine without it they skip with a loud message; when CI is set they fail.
 */
export function requireOrSkip(what: string, available: boolean, howToGetIt: string): boolean {
  if (available) return true;
  const message = `${what} is not available: ${howToGetIt}`;
  if (process.env.CI) throw new Error(`${message} (CI is set, so this is a failure, not a skip)`);
  process.stderr.write(`\n⚠️  SKIPPING tests that need ${what}. ${message}\n\n`);
  return false;
}
