import { Module } from '@nestjs/common';
import { ConsentCookieService } from './consent-cookie.service';
import { CsrfService } from './csrf.service';

/**
 * The user's consent: the signed consent cookie, the consent form's CSRF tokens, the consent
 * page and the anti-framing page headers. The `/auth/consent` routes belong to the OAuth
 * module's authorization flow (they continue to Entra), which uses these services.
 */
@Module({
  providers: [ConsentCookieService, CsrfService],
  exports: [ConsentCookieService, CsrfService],
})
export class ConsentModule {}
