import { registerAs } from '@nestjs/config';
import { validateEnv } from './env.validation';

export const paymentsConfig = registerAs('payments', () => {
  const env = validateEnv(process.env);
  return {
    webhookSecret: env.PAYMENT_WEBHOOK_SECRET,
    webhookToleranceSeconds: env.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
    // Stripe writes currencies in lowercase.
    currency: env.PAYMENT_CURRENCY.toLowerCase(),
    livemode: env.PAYMENT_LIVEMODE,
  };
});

export type PaymentsConfig = ReturnType<typeof paymentsConfig>;
