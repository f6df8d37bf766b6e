import { Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthorizationFlowService } from './authorization-flow.service';
import { OAuthExceptionFilter } from '../shared/oauth-errors';
import { RateLimit, RateLimitGuard } from '../shared/rate-limit/rate-limit.guard';
import { UpstreamSignInService } from './upstream-sign-in.service';
import { Public } from '../shared/auth/public.decorator';

/**
 * The browser side of the flow: `/authorize`, the consent page and Entra's callback. Errors
 * become pages (or, once the redirect URI is validated, redirects to the client).
 */
@Public()
@Controller()
@UseFilters(OAuthExceptionFilter.forBrowsers())
@UseGuards(RateLimitGuard)
export class AuthorizationController {
  constructor(
    private readonly flow: AuthorizationFlowService,
    private readonly upstream: UpstreamSignInService,
  ) {}

  @Get('authorize')
  @RateLimit('authorize')
  async authorize(@Req() req: Request, @Res() res: Response): Promise<void> {
    redirect(res, 302, await this.flow.begin(req, res));
  }

  @Get('auth/consent')
  @RateLimit('authorize')
  async consentPage(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.flow.showConsent(req, res);
  }

  @Post('auth/consent')
  @RateLimit('authorize')
  async consentDecision(@Req() req: Request, @Res() res: Response): Promise<void> {
    // 303: the browser follows with a GET (RFC 9110 §15.4.4), never re-posting the form.
    redirect(res, 303, await this.flow.decide(req, res));
  }

  @Get('auth/callback')
  @RateLimit('authorize')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    redirect(res, 302, await this.upstream.finish(req, res));
  }
}

function redirect(res: Response, status: 302 | 303, location: string): void {
  res.status(status).set({ 'Cache-Control': 'no-store', Location: location }).end();
}
