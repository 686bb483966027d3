import { Module } from '@nestjs/common';
import { BoardController } from './board.controller';

/** The sale board page (GET /); it only calls the public API from the browser. */
@Module({ controllers: [BoardController] })
export class BoardModule {}
