import { Controller, Get, Header, HttpCode, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { Public } from '../shared/auth/public.decorator';
import { sendPage } from '../shared/pages/page-headers';
import { renderHomePage, ServerDescription } from './home.page';

/** Describes the server from its configuration (pure, so it is tested without HTTP). */
export function describeServer(config: AppConfig): ServerDescription {
  const origin = config.serverOrigin;
  const emulator = config.entra.mode === 'embedded-emulator';
  return {
    name: config.serverName,
    description: 'An MCP server behind Microsoft Entra ID sign-in: its tools run as the signed-in user and read Microsoft Graph on their behalf.',
    mcp: { streamable_http: `${origin}/mcp`, sse: `${origin}/sse` },
    sign_in: {
      provider: emulator ? 'Entra emulator (development)' : 'Microsoft Entra ID',
      authority: `${config.entra.authorityOrigin}/${config.entra.tenantId}`,
    },
    metadata: {
      protected_resource: `${origin}/.well-known/oauth-protected-resource`,
      authorization_server: `${origin}/.well-known/oauth-authorization-server`,
    },
    health: { live: `${origin}/health`, ready: `${origin}/health/ready` },
    // Only where this server signs people in itself (proxy mode): direct mode has no grants to show.
    ...(config.authMode === 'direct' ? {} : { connected_apps: `${origin}/account` }),
  };
}

/**
 * `GET /`: a short page for people who open the server's URL, or the same facts as JSON for
 * clients that prefer `application/json` (content negotiation on `Accept`; HTML by default).
 * Public: it describes the server to anyone who opens its URL, and holds nothing personal.
 */
@Public()
@Controller()
export class HomeController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  home(@Req() req: Request, @Res() res: Response): void {
    const description = describeServer(this.config);
    res.vary('Accept');
    if (req.accepts(['html', 'json']) === 'json') {
      res.status(200).set('Cache-Control', 'no-cache').json(description);
      return;
    }
    sendPage(res, 200, renderHomePage(description));
  }

  /** Browsers ask for it on every page; no icon, and no 404 in the log. */
  @Get('favicon.ico')
  @HttpCode(204)
  @Header('Cache-Control', 'public, max-age=86400')
  favicon(): void {}
}
