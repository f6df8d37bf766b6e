import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { isAllowedHost, presentedHost } from './allowed-host';
import { invalidHostError } from './mcp-http.errors';

/** DNS-rebinding protection for the MCP endpoints: Host must be SERVER_URL's host. */
@Injectable()
export class AllowedHostGuard implements CanActivate {
  private readonly logger = new Logger(AllowedHostGuard.name);

  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const host = presentedHost(req.headers, this.config.trustProxy);
    if (isAllowedHost(host, this.config.serverUrl)) return true;
    this.logger.warn({ msg: 'Refused an MCP request for another host (DNS rebinding?)', path: req.path });
    throw invalidHostError();
  }
}
