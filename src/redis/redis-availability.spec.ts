import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { RedisAvailability } from './redis-availability';

describe(RedisAvailability.name, () => {
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('should warn once per outage however many reconnects fail, and log the recovery once', () => {
    const sut = new RedisAvailability('rate-limit');
    const first = sut.watch(new EventEmitter());
    first.emit('ready');
    for (let attempt = 0; attempt < 5; attempt++) first.emit('error', new Error('connect ECONNREFUSED'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith({
      event: 'redis.unavailable',
      client: 'rate-limit',
      reason: 'connect ECONNREFUSED',
    });
    expect(sut.available).toBe(false);

    first.emit('ready');
    first.emit('ready');
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(
      expect.objectContaining({
        event: 'redis.recovered',
        client: 'rate-limit',
        unavailable_ms: expect.any(Number),
      }),
    );

    first.emit('error', new Error('read ECONNRESET'));
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('should report one outage across the successive connections of one client', () => {
    const sut = new RedisAvailability('subscriber');
    for (let attempt = 0; attempt < 3; attempt++) {
      sut.watch(new EventEmitter()).emit('error', new Error('refused'));
    }
    expect(warn).toHaveBeenCalledTimes(1);
    sut.watch(new EventEmitter()).emit('ready');
    expect(log).toHaveBeenCalledTimes(1);
  });
});
