import { Injectable } from '@nestjs/common';
import { SCOPES } from '../shared/scopes';
import { McpTool } from './mcp-tool.decorator';
import { UserContextAccessor } from './user-context.accessor';

/** The user context as this server sees it, without calling Graph. */
@Injectable()
export class WhoamiTool {
  constructor(private readonly currentUser: UserContextAccessor) {}

  @McpTool({
    name: 'whoami',
    title: 'Who am I',
    description: 'Returns who this server thinks you are: Entra user and tenant ids, name, username, the MCP client and the granted scopes.',
    requiredScopes: [SCOPES.tools],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  })
  whoami(): { oid: string; tid: string; name: string; preferredUsername: string; clientId: string; scopes: string[] } {
    // The grant id is an internal handle: not shown.
    const { oid, tid, name, preferredUsername, clientId, scopes } = this.currentUser.get();
    return { oid, tid, name, preferredUsername, clientId, scopes };
  }
}
