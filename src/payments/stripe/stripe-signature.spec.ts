import { createHmac } from 'node:crypto';
import { InvalidSignatureError } from '../payment.errors';
import { verifyStripeSignature } from './stripe-signature';

const secret = 'whsec_unit';
const payload = Buffer.from('{"event_id":"evt_1","order_id":1,"status":"paid"}');
const nowSeconds = 1_800_000_000;
const sign = (t: number, body = payload, key = secret) =>
  createHmac('sha256', key).update(`${t}.`).update(body).digest('hex');
const check = (header: string | undefined, body = payload) =>
  verifyStripeSignature({ header, payload: body, secret, toleranceSeconds: 300, nowSeconds });

describe(verifyStripeSignature.name, () => {
  it('should accept a valid signature', () => {
    expect(() => check(`t=${nowSeconds},v1=${sign(nowSeconds)}`)).not.toThrow();
  });

  it('should accept when any of several v1 values matches', () => {
    expect(() => check(`t=${nowSeconds},v1=${'a'.repeat(64)},v1=${sign(nowSeconds)}`)).not.toThrow();
  });

  it.each([
    ['missing', undefined],
    ['no timestamp', `v1=${sign(nowSeconds)}`],
    ['no v1', `t=${nowSeconds}`],
    ['non-hex v1', `t=${nowSeconds},v1=zz`],
    ['stale', `t=${nowSeconds - 301},v1=${sign(nowSeconds - 301)}`],
    ['from the future', `t=${nowSeconds + 301},v1=${sign(nowSeconds + 301)}`],
    ['wrong secret', `t=${nowSeconds},v1=${sign(nowSeconds, payload, 'other')}`],
    ['signed for other bytes', `t=${nowSeconds},v1=${sign(nowSeconds, Buffer.from('{}'))}`],
  ])('should refuse a %s header', (_case, header) => {
    expect(() => check(header)).toThrow(InvalidSignatureError);
  });

  it('should accept a timestamp right at the tolerance edge', () => {
    expect(() => check(`t=${nowSeconds - 300},v1=${sign(nowSeconds - 300)}`)).not.toThrow();
  });
});
