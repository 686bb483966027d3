import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PaymentEvent } from './payment-event.entity';

@Injectable()
export class PaymentEventsRepository {
  findByEventId(manager: EntityManager, eventId: string): Promise<PaymentEvent | null> {
    return manager.getRepository(PaymentEvent).findOneBy({ eventId });
  }

  /** UNIQUE(event_id): a second insert of the same event fails, whatever the race. */
  async insert(manager: EntityManager, event: Omit<PaymentEvent, 'id'>): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(PaymentEvent)
      .values(event)
      .updateEntity(false)
      .execute();
  }
}
