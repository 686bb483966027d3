import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AdmissionCheck, AdmissionPass } from '../../holds/hold-admission.port';

const VERSION = 'a1';
const FORMAT = /^a1\.([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/;

/**
 * An admission token: `a1.<base64url JSON {p, c, t, e}>.<base64url HMAC-SHA256>` over the
 * first two parts. Anyone can read what it grants; only the key's holder can make one.
 */
export function signAdmission(key: Buffer, pass: AdmissionPass): string {
  const body = Buffer.from(
    JSON.stringify({ p: pass.productId, c: pass.customerId, t: pass.ticketId, e: pass.expiresAt }),
    'utf8',
  ).toString('base64url');
  return `${VERSION}.${body}.${mac(key, body)}`;
}

export function verifyAdmission(key: Buffer, token: string): AdmissionCheck {
  const match = FORMAT.exec(token);
  if (!match) return 'invalid';
  const [, body, signature] = match;
  const expected = Buffer.from(mac(key, body), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { p, c, t, e } = claims;
    if (typeof p !== 'number' || typeof c !== 'string' || typeof t !== 'string' || typeof e !== 'number') {
      return 'invalid';
    }
    return { productId: p, customerId: c, ticketId: t, expiresAt: e };
  } catch {
    return 'invalid';
  }
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(`${VERSION}.${body}`, 'utf8').digest('base64url');
}

/** The signing key, apart from any other use of the same secret (the ALTCHA key is derived the same way). */
export function admissionKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('queue-admission', 'utf8').digest();
}

/**
 * The key that signs the join's proof-of-work challenges (ALTCHA), from the same secret under
 * its own label: neither key tells anything about the other. Hex, as altcha-lib takes a string.
 */
export function altchaKey(secret: string): string {
  return createHmac('sha256', secret).update('queue-altcha', 'utf8').digest('hex');
}
