import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** The operator console page (GET /admin); it only calls the admin API from the browser. */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
