/** How the console client names itself to servers (MCP `clientInfo`, RFC 7591 `client_name`). */
export const CLIENT_NAME = 'MCP Console Client';
export const CLIENT_ID_NAME = 'mcp-console-client';
export const CLIENT_VERSION = '0.1.0';
