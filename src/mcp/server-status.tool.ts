import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SCOPES } from '../shared/scopes';
import { McpTool } from './mcp-tool.decorator';
import { SERVER_INFO } from './mcp-server.factory';

/** The app role that gates administrative tools (define it on the Entra app registration). */
export const TOOLS_ADMIN_ROLE = 'Tools.Admin';

/** An administrator's view of this instance: the role-gated tool (only users with the Tools.Admin app role see or call it). */
@Injectable()
export class ServerStatusTool {
  private readonly startedAt = Date.now();

  constructor(private readonly config: AppConfig) {}

  @McpTool({
    name: 'get_server_status',
    title: 'Server status (administrators)',
    description: `Returns this server's version, uptime and configuration summary. Requires the Entra app role ${TOOLS_ADMIN_ROLE}.`,
    requiredScopes: [SCOPES.tools],
    roles: [TOOLS_ADMIN_ROLE],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  })
  status(): { server: string; version: string; uptimeSeconds: number; node: string; store: 'redis' | 'sqlite'; auditLog: 'log' | 'store'; grantMaxLifetimeDays: number } {
    return {
      server: SERVER_INFO.name,
      version: SERVER_INFO.version,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      node: process.version,
      store: this.config.redisUrl ? 'redis' : 'sqlite',
      auditLog: this.config.auditLog,
      grantMaxLifetimeDays: this.config.grantMaxLifetimeDays,
    };
  }
}
