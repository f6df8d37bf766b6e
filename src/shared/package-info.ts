import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * This service's name and version, read from package.json (two folders up from both
 * `src/shared` and `dist/shared`; the Docker image ships package.json next to `dist`).
 */
export const PACKAGE_INFO: { readonly name: string; readonly version: string } = (() => {
  const { name, version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };
  return { name, version };
})();
