/**
 * The port through which holds ask the waiting room (src/queue/) whether a buyer was admitted,
 * without knowing how: the queue feature binds it (QueueAdmissionModule, global). A process
 * without a binding refuses every hold on a product with a queue (fail closed).
 */
export interface AdmissionPass {
  productId: number;
  customerId: string;
  ticketId: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** null: no Admission-Token header; 'invalid': forged or malformed. */
export type AdmissionCheck = AdmissionPass | 'invalid' | null;

export abstract class HoldAdmission {
  /** Verifies the header's signature in memory: no database, no Redis. */
  abstract read(token: string | undefined): AdmissionCheck;

  /** After the hold committed: the admission no longer counts against the stock. Never throws. */
  abstract used(pass: AdmissionPass): Promise<void>;
}
