import { Module } from '@nestjs/common';
import { AccountSessionService } from './account-session.service';

/**
 * The `/account` sign-in session on its own, so that the OAuth module's Entra callback can
 * complete an account sign-in without depending on the account pages.
 */
@Module({
  providers: [AccountSessionService],
  exports: [AccountSessionService],
})
export class AccountSessionModule {}
