import { Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../shared/auth/public.decorator';
import { OAuthExceptionFilter } from '../shared/oauth-errors';
import { sendPage } from '../shared/pages/page-headers';
import { RateLimit, RateLimitGuard } from '../shared/rate-limit/rate-limit.guard';
import { AccountService } from './account.service';

/**
 * The connected apps page (`/account`): the user signs in with Entra (through this server's
 * own Entra sign-in, callback at `/auth/callback`), sees the clients they allowed, revokes any,
 * signs out. It authenticates by its own session cookie, never by an MCP client's token; its
 * forms carry the session's CSRF token and must come from this origin. Errors are pages.
 */
// Public to the bearer guard: the page authenticates people by its own session cookie, never by an MCP token.
@Public()
@Controller('account')
@UseFilters(OAuthExceptionFilter.forBrowsers())
@UseGuards(RateLimitGuard)
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Get()
  async page(@Req() req: Request, @Res() res: Response): Promise<void> {
    const page = await this.account.page(req);
    // Forms post back here only (form-action 'self'); the sign-in link is a plain navigation.
    sendPage(res, 200, page, [this.account.origin]);
  }

  @Get('sign-in')
  @RateLimit('authorize')
  async signIn(@Req() req: Request, @Res() res: Response): Promise<void> {
    redirect(res, 302, await this.account.signIn(req, res));
  }

  @Post('revoke')
  @RateLimit('revoke')
  async revoke(@Req() req: Request, @Res() res: Response): Promise<void> {
    // 303: the browser follows with a GET (RFC 9110 §15.4.4), never re-posting the form.
    redirect(res, 303, await this.account.revoke(req, res));
  }

  @Post('sign-out')
  async signOut(@Req() req: Request, @Res() res: Response): Promise<void> {
    redirect(res, 303, await this.account.signOut(req, res));
  }
}

function redirect(res: Response, status: 302 | 303, location: string): void {
  res.status(status).set({ 'Cache-Control': 'no-store', Location: location }).end();
}
