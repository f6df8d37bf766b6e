/* eslint-disable no-console -- it filters one line of a dependency's console output while that dependency loads */
import type OidcProvider from 'oidc-provider';

const UNSUPPORTED_RUNTIME = 'oidc-provider WARNING: Unsupported runtime';

/**
 * oidc-provider prints "Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release."
 * when it is loaded on Node 20. This project supports Node ≥ 20.19 (README), and the emulator
 * (development and tests only) works there, so that one line is left out while the module
 * loads; every other console output is untouched.
 */
function loadQuietly(): typeof OidcProvider {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes(UNSUPPORTED_RUNTIME)) return;
    warn(...args);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the load must happen inside this function
    return (require('oidc-provider') as { default: typeof OidcProvider }).default;
  } finally {
    console.warn = warn;
  }
}

export const Provider = loadQuietly();
export type Provider = OidcProvider;
