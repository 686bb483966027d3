import type { QueueTokenKey } from './admission/queue-admission.module';
import { statusAt, StoredTicket, TicketStatus } from './line/queue-lines';

/** A ticket as the API shows it (the join answer's data, ticket reads and streams). */
export interface TicketView {
  ticket_id: string;
  product_id: number;
  /** The buyer, in the join answer only (to its caller); null in reads and streams. */
  customer_id: string | null;
  entry_hash: string;
  status: TicketStatus;
  position: number | null;
  ahead: number | null;
  estimated_wait_seconds: number | null;
  admission_token: string | null;
  admission_expires_at: string | null;
}

export function ticketView(
  ticket: StoredTicket,
  ahead: number,
  ratePerMinute: number,
  now: number,
  key: QueueTokenKey,
  showCustomer: boolean,
): TicketView {
  const status = statusAt(ticket, now);
  const admitted = status === 'admitted';
  return {
    ticket_id: ticket.id,
    product_id: ticket.productId,
    customer_id: showCustomer ? ticket.customerId : null,
    entry_hash: ticket.entryHash,
    status,
    position: ticket.position > 0 ? ticket.position : null,
    ahead: status === 'prequeue' ? null : status === 'waiting' ? ahead : 0,
    estimated_wait_seconds:
      status === 'prequeue' ? null : status === 'waiting' ? Math.ceil(((ahead + 1) * 60) / ratePerMinute) : 0,
    // Signed anew on each read (the same bytes every time): the token is never stored.
    admission_token: admitted
      ? key.sign({
          productId: ticket.productId,
          customerId: ticket.customerId,
          ticketId: ticket.id,
          expiresAt: ticket.expiresAt,
        })
      : null,
    admission_expires_at: admitted ? new Date(ticket.expiresAt).toISOString() : null,
  };
}
