import type { Env } from './env.schema';

/** The 'payments' section of the configuration, from the validated environment (see loadConfig). */
export function paymentsConfig(env: Env) {
  return {
    webhookSecret: env.PAYMENT_WEBHOOK_SECRET,
    webhookToleranceSeconds: env.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
    // Stripe writes currencies in lowercase.
    currency: env.PAYMENT_CURRENCY.toLowerCase(),
    livemode: env.PAYMENT_LIVEMODE,
  };
}

export type PaymentsConfig = ReturnType<typeof paymentsConfig>;
