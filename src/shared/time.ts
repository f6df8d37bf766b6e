/** One day in milliseconds: lifetimes configured in days (grants, refresh tokens, registrations). */
export const DAY_MS = 24 * 60 * 60 * 1000;
