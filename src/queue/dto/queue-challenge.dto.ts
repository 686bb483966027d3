import { ApiProperty } from '@nestjs/swagger';
import type { JoinChallenge } from '../pow/join-challenge';

/** ALTCHA's challenge, as its widget reads it from `challengeurl` (no envelope). */
export class QueueChallengeDto implements JoinChallenge {
  @ApiProperty({ enum: ['SHA-256'], example: 'SHA-256' }) algorithm: JoinChallenge['algorithm'];
  @ApiProperty({
    description: 'sha256hex(salt + number) for the secret number to find',
    pattern: '^[0-9a-f]{64}$',
  })
  challenge: string;
  @ApiProperty({
    type: 'integer',
    description: 'The number lies in 0..maxnumber (QUEUE_POW_MAX_NUMBER)',
    example: 50000,
  })
  maxnumber: number;
  @ApiProperty({
    description: 'Random hex, then the product and the expiry (epoch seconds, 5 minutes on), both signed',
    example: '6608dc733431df61cce2e607?product=2&expires=1796704132&',
  })
  salt: string;
  @ApiProperty({ description: 'HMAC-SHA256 of the challenge, under a key derived from QUEUE_TOKEN_SECRET' })
  signature: string;
}

export const CHALLENGE_EXAMPLE: JoinChallenge = {
  algorithm: 'SHA-256',
  challenge: '69ace0688b2564906aa19b0fa587d31e97fb270261d206dea6ab5b2566444ef3',
  maxnumber: 50000,
  salt: '6608dc733431df61cce2e607?product=2&expires=1796704132&',
  signature: 'd648dbcdd3eb10c875083ac907d7521545738e3061c11b77d5cf4ea8c4528862',
};
