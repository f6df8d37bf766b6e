import { Module } from '@nestjs/common';
import { EntraAccessTokenVerifier } from './entra-access-token.verifier';
import { EntraClient } from './entra-client.port';
import { EntraDiscovery } from './entra-discovery';
import { OnBehalfOfTokens } from './on-behalf-of.service';
import { OpenIdEntraClient } from './openid-entra.client';

/**
 * Microsoft Entra ID (a real tenant or the emulator: same code): the upstream OAuth client of
 * proxy mode, and for direct mode the access-token verifier and the On-Behalf-Of exchange.
 */
@Module({
  providers: [{ provide: EntraClient, useClass: OpenIdEntraClient }, EntraDiscovery, EntraAccessTokenVerifier, OnBehalfOfTokens],
  exports: [EntraClient, EntraAccessTokenVerifier, OnBehalfOfTokens],
})
export class EntraModule {}
