import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/config.types';
import { QueueTokenKey } from '../admission/queue-admission.module';
import { PowInvalidError, PowNotRequiredError, PowRequiredError } from '../queue.errors';
import { CHALLENGE_TTL_MS, checkJoinSolution, createJoinChallenge, JoinChallenge } from './join-challenge';
import { SpentChallenges } from './spent-challenges';

/**
 * The optional proof of work on joining (QUEUE_POW_MAX_NUMBER > 0): ALTCHA challenges signed
 * with a key every process of the database derives alike, each solution accepted once.
 */
@Injectable()
export class JoinProofOfWork {
  private readonly maxNumber: number;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly key: QueueTokenKey,
    private readonly spent: SpentChallenges,
  ) {
    this.maxNumber = config.getOrThrow('queue', { infer: true }).powMaxNumber;
  }

  get required(): boolean {
    return this.maxNumber > 0;
  }

  challenge(productId: number, now = Date.now()): Promise<JoinChallenge> {
    if (!this.required) throw new PowNotRequiredError();
    return createJoinChallenge(
      this.key.altchaKey,
      productId,
      this.maxNumber,
      new Date(now + CHALLENGE_TTL_MS),
    );
  }

  /** Checks the solution and spends it; a refused one leaves nothing behind. */
  async accept(productId: number, altcha: string | undefined): Promise<void> {
    if (altcha === undefined || altcha === '') throw new PowRequiredError();
    const solution = await checkJoinSolution(this.key.altchaKey, productId, altcha);
    if (!solution || !(await this.spent.spend(solution.id, solution.expiresAt))) throw new PowInvalidError();
  }
}
