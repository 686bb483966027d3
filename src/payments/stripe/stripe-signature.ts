import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidSignatureError } from '../payment.errors';

export const SIGNATURE_HEADER = 'stripe-signature';

export interface SignatureCheck {
  header: string | undefined;
  payload: Buffer;
  secret: string;
  toleranceSeconds: number;
  nowSeconds: number;
}

/**
 * Stripe's scheme: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where each
 * v1 is HMAC-SHA256(secret, `${t}.${rawBody}`). Any v1 may match (secret rotation); the
 * comparison is constant-time; old timestamps are refused to stop replays.
 */
export function verifyStripeSignature({
  header,
  payload,
  secret,
  toleranceSeconds,
  nowSeconds,
}: SignatureCheck): void {
  if (!header) throw new InvalidSignatureError('missing Stripe-Signature header');
  const { timestamp, signatures } = parseHeader(header);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw new InvalidSignatureError('timestamp outside the tolerance window');
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(payload).digest();
  const matches = signatures.some((signature) => {
    const candidate = Buffer.from(signature, 'hex');
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  if (!matches) throw new InvalidSignatureError('no signature matches the payload');
}

function parseHeader(header: string): { timestamp: number; signatures: string[] } {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value);
  }
  if (timestamp === undefined) throw new InvalidSignatureError('malformed header: no timestamp');
  if (signatures.length === 0) throw new InvalidSignatureError('malformed header: no v1 signature');
  return { timestamp, signatures };
}
