import { Module } from '@nestjs/common';
import { HomeController } from './home.controller';

/** `GET /`: what this server is and how to connect to it. */
@Module({ controllers: [HomeController] })
export class HomeModule {}
