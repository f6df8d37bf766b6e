import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { StoreUnavailableError } from './store.port';

/** Seconds a client is asked to wait before retrying while the store is down. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * Global fallback: when the state store cannot be reached (Redis down, disk gone), any
 * route without a filter of its own (the MCP transports, health) answers 503 with
 * `Retry-After`, not a bare 500. The OAuth endpoints answer the same condition in their
 * own error shape (`temporarily_unavailable`).
 */
@Catch(StoreUnavailableError)
export class StoreUnavailableFilter implements ExceptionFilter<StoreUnavailableError> {
  private readonly logger = new Logger(StoreUnavailableFilter.name);

  catch(error: StoreUnavailableError, host: ArgumentsHost): void {
    this.logger.error(`Store unavailable: ${error.message}`);
    if (host.getType() !== 'http') throw error;
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    res
      .status(503)
      .set({ 'Cache-Control': 'no-store', 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) })
      .json({ error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable; please try again shortly.' });
  }
}
