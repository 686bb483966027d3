import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PageRequest } from '../common/http/pagination.dto';
import { databaseNow } from '../database/db-clock';
import { UnitOfWork } from '../database/unit-of-work';
import type { Hold } from './hold.entity';
import { HoldNotFoundError } from './hold.errors';
import { isVisibleTo } from './hold.rules';
import { HoldsRepository } from './holds.repository';

/** Reads of holds, each with the database's time of the read (a hold's `status` is computed with it). */
@Injectable()
export class HoldReadsService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly holds: HoldsRepository,
  ) {}

  /**
   * The hold, and the database's time of the read: its `status` is computed with that clock
   * too. `ownerId`: a verified buyer sees only their own holds (another's is not found, so
   * its existence is not revealed); null reads any hold.
   */
  async findOne(id: number, ownerId: string | null = null): Promise<{ hold: Hold; now: Date }> {
    const found = await this.unitOfWork.read((manager) => this.holds.findByIdsWithClock(manager, [id]));
    const hold = found?.rows[0];
    if (!found || !hold || !isVisibleTo(hold, ownerId)) throw new HoldNotFoundError(id);
    return { hold, now: found.now };
  }

  /**
   * A page of holds (only `ownerId`'s when given), their total, and the database's time of
   * the read (for their `status`).
   */
  findPage(
    request: PageRequest,
    ownerId: string | null = null,
  ): Promise<{ holds: Hold[]; total: number; now: Date }> {
    return this.unitOfWork.read(async (manager) => {
      const [holds, total] = await this.holds.findPage(manager, request, ownerId);
      return { holds, total, now: await databaseNow(manager) };
    });
  }

  /**
   * Whether units held on the product may still come back: a hold neither used nor released
   * (it expires or is released). In the caller's unit of work.
   */
  hasActiveOn(manager: EntityManager, productId: number): Promise<boolean> {
    return this.holds.hasActiveOn(manager, productId);
  }
}
