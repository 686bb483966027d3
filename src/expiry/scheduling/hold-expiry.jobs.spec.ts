import { expiryDelayMs, expiryJobOptions, holdJobId } from './hold-expiry.jobs';

const now = new Date('2026-01-01T12:00:00.000Z');

describe('expiry job helpers', () => {
  describe(holdJobId.name, () => {
    it('should name the job after the database, the hold and its expiry, never with a colon nor as a bare integer (BullMQ refuses both)', () => {
      for (const id of [1, 42, 2_147_483_647]) {
        const jobId = holdJobId('0a1b2c3d4e5f6071', { id, holdExpiresAt: now });
        expect(jobId).toBe(`hold-0a1b2c3d4e5f6071-${id}-${now.getTime()}`);
        expect(jobId).not.toContain(':');
        expect(/^\d+$/.test(jobId)).toBe(false);
      }
    });

    it('should give a reused hold id in another database, or another expiry, another job id', () => {
      const hold = { id: 1, holdExpiresAt: now };
      expect(holdJobId('aaaa', hold)).not.toBe(holdJobId('bbbb', hold));
      expect(holdJobId('aaaa', hold)).not.toBe(
        holdJobId('aaaa', { id: 1, holdExpiresAt: new Date(now.getTime() + 1) }),
      );
    });
  });

  describe(expiryDelayMs.name, () => {
    it('should wait until the expiry instant', () => {
      expect(expiryDelayMs(new Date(now.getTime() + 120_000), now)).toBe(120_000);
      expect(expiryDelayMs(new Date(now.getTime() + 1), now)).toBe(1);
    });

    it('should run an overdue job at once rather than with a negative delay', () => {
      expect(expiryDelayMs(now, now)).toBe(0);
      expect(expiryDelayMs(new Date(now.getTime() - 5_000), now)).toBe(0);
    });
  });

  describe(expiryJobOptions.name, () => {
    it('should make a deduplicated, delayed, bounded-retry job that cleans up after itself', () => {
      const options = expiryJobOptions(
        'feed',
        { id: 7, holdExpiresAt: new Date(now.getTime() + 2_000) },
        now,
      );

      expect(options).toMatchObject({
        jobId: `hold-feed-7-${now.getTime() + 2_000}`,
        delay: 2_000,
        attempts: 3,
        backoff: { type: 'exponential' },
        removeOnComplete: true,
      });
      expect(options.removeOnFail).toBeTruthy();
    });
  });
});
