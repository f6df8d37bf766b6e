import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { UserContext } from '../shared/user-context';
import { insufficientScopeError } from './mcp-http.errors';
import { MCP_ENDPOINT_SCOPES, missingScopes, toolCallNames } from './scopes';
import { ToolRegistry } from './tool-registry';

/**
 * Scope checks on the HTTP request, before anything reaches a transport. For SSE
 * this is the only moment a 403 can still be sent: POST /messages answers 202
 * before the tool runs. So the JSON-RPC body is peeked for `tools/call` and each
 * named tool's required scopes are checked (ToolScopeGuard checks again at the tool).
 */
@Injectable()
export class RequestScopePolicy {
  constructor(
    private readonly config: AppConfig,
    private readonly registry: ToolRegistry,
  ) {}

  /** Throws 403 `insufficient_scope` when the token may not send `body` (undefined: open a stream). */
  assertAllowed(user: UserContext, body: unknown): void {
    if (missingScopes(user.scopes, MCP_ENDPOINT_SCOPES).length > 0) {
      throw insufficientScopeError(this.config.serverOrigin, MCP_ENDPOINT_SCOPES, 'This MCP server');
    }
    for (const name of toolCallNames(body)) {
      const required = this.registry.get(name)?.options.requiredScopes;
      if (required && missingScopes(user.scopes, required).length > 0) {
        throw insufficientScopeError(this.config.serverOrigin, required, `The tool ${name}`);
      }
    }
  }
}
