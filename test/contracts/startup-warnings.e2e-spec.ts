import { LOG_DESTINATION } from '../../src/observability/logging.module';
import { LogCapture } from '../utils/log-capture';
import { createTestApp } from '../utils/test-app';

/** What an app logs once as it starts, whatever its instances of a provider. */
describe('Start-up warnings (e2e)', () => {
  it('should warn once, not once per instance of the guard, that webhooks are accepted unsigned', async () => {
    const logs = new LogCapture();
    const t = await createTestApp(
      { LOG_LEVEL: 'info', PAYMENT_WEBHOOK_SECRET: '' },
      { customize: (builder) => builder.overrideProvider(LOG_DESTINATION).useValue(logs) },
    );
    try {
      expect(logs.events('payment.signature_disabled')).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
