import { validateEnv } from '../../src/config/env.validation';
import { applyTestSettings } from '../utils/test-settings';

/**
 * Several apps in one spec file (one describe block each, or a restart) must each start with
 * the settings they ask for: an override one app needed (two streams at most, the payment
 * timeout off) must not quietly become the next app's, which asked for none.
 */
describe('Test app settings, app after app in one spec file (e2e)', () => {
  it("should start each app with its own overrides only, never an earlier app's", () => {
    const before = process.env.STREAM_MAX_CONNECTIONS;
    applyTestSettings({ STREAM_MAX_CONNECTIONS: '2', HOLD_TTL_SECONDS: '1' });
    expect(validateEnv(process.env)).toMatchObject({ STREAM_MAX_CONNECTIONS: 2, HOLD_TTL_SECONDS: 1 });

    const next = applyTestSettings({ HOLD_TTL_SECONDS: '5' });

    expect(process.env.STREAM_MAX_CONNECTIONS).toBe(before);
    expect(validateEnv(process.env)).toMatchObject({ STREAM_MAX_CONNECTIONS: 10_000, HOLD_TTL_SECONDS: 5 });
    expect(process.env.DB_DATABASE).toBe(next.databaseName);
  });

  it('should keep what the environment had before any app, once an app overrode it', () => {
    process.env.ORDER_PAYMENT_TIMEOUT_SECONDS = '900';
    applyTestSettings({ ORDER_PAYMENT_TIMEOUT_SECONDS: '0' });
    expect(process.env.ORDER_PAYMENT_TIMEOUT_SECONDS).toBe('0');

    applyTestSettings();

    expect(process.env.ORDER_PAYMENT_TIMEOUT_SECONDS).toBe('900');
  });
});
