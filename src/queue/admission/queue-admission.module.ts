import { Global, Injectable, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import type { AllConfig } from '../../config/config.types';
import { DatabaseModule } from '../../database/database.module';
import { AdmissionCheck, AdmissionPass, HoldAdmission } from '../../holds/hold-admission.port';
import { QueueLines } from '../line/queue-lines';
import { QueueLinesModule } from '../line/queue-lines.module';
import { admissionKey, altchaKey, signAdmission, verifyAdmission } from './admission-token';

/**
 * The keys derived from QUEUE_TOKEN_SECRET, or from the secret the migration generated and
 * stored once for this database: every process of one database derives the same ones.
 */
export class QueueTokenKey {
  /** Signs admission tokens. */
  readonly key: Buffer;
  /** Signs the join's proof-of-work challenges (ALTCHA's HMAC key). */
  readonly altchaKey: string;

  constructor(secret: string) {
    this.key = admissionKey(secret);
    this.altchaKey = altchaKey(secret);
  }

  static async load(config: ConfigService<AllConfig, true>, dataSource: DataSource): Promise<QueueTokenKey> {
    const configured = config.getOrThrow('queue', { infer: true }).tokenSecret;
    if (configured) return new QueueTokenKey(configured);
    const [row] = await dataSource.query<Array<{ secret: string }>>(
      'SELECT secret FROM queue_token_secret WHERE id = 1',
    );
    if (!row) throw new Error('The queue_token_secret row is missing: run the migrations');
    return new QueueTokenKey(row.secret);
  }

  sign(pass: AdmissionPass): string {
    return signAdmission(this.key, pass);
  }
}

@Injectable()
export class SignedHoldAdmission extends HoldAdmission {
  private readonly logger = new Logger(SignedHoldAdmission.name);

  constructor(
    private readonly key: QueueTokenKey,
    private readonly lines: QueueLines,
  ) {
    super();
  }

  read(token: string | undefined): AdmissionCheck {
    if (token === undefined || token === '') return null;
    return verifyAdmission(this.key.key, token);
  }

  async used(pass: AdmissionPass): Promise<void> {
    try {
      await this.lines.markUsed(pass.productId, pass.ticketId);
    } catch (error) {
      // The admission then counts against the stock until it expires: slower, never unfair.
      this.logger.warn({ event: 'queue.mark_used_failed', product_id: pass.productId, error: String(error) });
    }
  }
}

/**
 * Binds the holds' admission port (global, so the core never imports the queue feature) and
 * the key that signs and checks admission tokens, read once at boot.
 */
@Global()
@Module({
  imports: [DatabaseModule, QueueLinesModule],
  providers: [
    {
      provide: QueueTokenKey,
      inject: [ConfigService, DataSource],
      useFactory: QueueTokenKey.load,
    },
    SignedHoldAdmission,
    { provide: HoldAdmission, useExisting: SignedHoldAdmission },
  ],
  exports: [HoldAdmission, QueueTokenKey, QueueLinesModule],
})
export class QueueAdmissionModule {}
