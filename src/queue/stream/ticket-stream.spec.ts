import type { StockSnapshot } from '../../stream/stock-event';
import type { StreamConnection } from '../../stream/stream-connection';
import type { QueueTokenKey } from '../admission/queue-admission.module';
import type { StoredTicket } from '../line/queue-lines';
import { AHEAD_REFRESH_MS, TicketStream } from './ticket-stream';

const ticket = (fields: Partial<StoredTicket> = {}): StoredTicket => ({
  id: 'ticket-0123456789abcdef',
  productId: 7,
  customerId: 'c',
  entryHash: 'h',
  status: 'waiting',
  position: 10,
  admittedAt: 0,
  expiresAt: 0,
  ...fields,
});

/** The states offered to the connection, with whether each was urgent. */
function setup() {
  const offered: Array<{ view: Record<string, unknown>; urgent: boolean }> = [];
  const connection = {
    offer: (snapshot: StockSnapshot, _now: number, urgent: boolean) =>
      offered.push({ view: JSON.parse(snapshot.json) as Record<string, unknown>, urgent }),
    dispose: () => undefined,
  } as unknown as StreamConnection;
  const key = { sign: () => 'signed-token' } as unknown as QueueTokenKey;
  const sut = new TicketStream(7, 'ticket-0123456789abcdef', '127.0.0.1', connection, key);
  sut.ratePerMinute = 60;
  return { sut, offered, render: () => sut.render(() => undefined) };
}

describe(TicketStream.name, () => {
  afterEach(() => jest.useRealTimers());

  it('should count ahead from the head the events carry, never letting it grow again', () => {
    jest.useFakeTimers();
    const { sut, offered, render } = setup();
    sut.merge({ ticket: ticket(), ahead: 6 });
    render();
    jest.advanceTimersByTime(AHEAD_REFRESH_MS);
    sut.headMoved(7);
    render();
    sut.headMoved(5); // an older event arriving late
    jest.advanceTimersByTime(AHEAD_REFRESH_MS);
    render();
    expect(offered.map((o) => o.view.ahead)).toEqual([6, 3]);
    expect(offered.map((o) => o.urgent)).toEqual([true, false]);
    expect(offered[1].view.estimated_wait_seconds).toBe(4);
  });

  it('should send a new ahead at most once per refresh interval, the latest one, by itself', () => {
    jest.useFakeTimers();
    const { sut, offered, render } = setup();
    sut.merge({ ticket: ticket(), ahead: 6 });
    render();
    for (const head of [5, 6, 7]) {
      sut.headMoved(head);
      render();
    }
    expect(offered.map((o) => o.view.ahead)).toEqual([6]);
    jest.advanceTimersByTime(AHEAD_REFRESH_MS - 1);
    expect(offered).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(offered.map((o) => [o.view.ahead, o.urgent])).toEqual([
      [6, true],
      [3, false],
    ]);
    jest.advanceTimersByTime(AHEAD_REFRESH_MS * 3); // nothing changed: nothing more
    expect(offered).toHaveLength(2);
  });

  it('should send ahead reaching 0 without waiting for the refresh interval', () => {
    jest.useFakeTimers();
    const { sut, offered, render } = setup();
    sut.merge({ ticket: ticket(), ahead: 2 });
    render();
    sut.headMoved(9);
    render();
    sut.headMoved(10);
    render();
    expect(offered.map((o) => [o.view.ahead, o.urgent])).toEqual([
      [2, true],
      [0, false],
    ]);
  });

  it('should send a status change at once, inside the refresh interval, and no stale refresh after it', () => {
    jest.useFakeTimers();
    const { sut, offered, render } = setup();
    sut.merge({ ticket: ticket(), ahead: 6 });
    render();
    sut.headMoved(8);
    render(); // a refresh is now pending
    const expiresAt = Date.now() + 60_000;
    sut.decided(ticket({ status: 'admitted', admittedAt: Date.now(), expiresAt }));
    render();
    jest.advanceTimersByTime(AHEAD_REFRESH_MS);
    expect(offered.map((o) => [o.view.status, o.view.ahead, o.urgent])).toEqual([
      ['waiting', 6, true],
      ['admitted', 0, true],
    ]);
  });

  it('should send a decision at once and keep it over a read that raced it', () => {
    const { sut, offered, render } = setup();
    sut.merge({ ticket: ticket(), ahead: 2 });
    render();
    const expiresAt = Date.now() + 60_000;
    sut.decided(ticket({ status: 'admitted', admittedAt: Date.now(), expiresAt }));
    render();
    sut.merge({ ticket: ticket(), ahead: 1 }); // a read made before the admission
    render();
    expect(offered.map((o) => [o.view.status, o.urgent])).toEqual([
      ['waiting', true],
      ['admitted', true],
    ]);
    expect(offered[1].view).toMatchObject({ ahead: 0, admission_token: 'signed-token' });
  });

  it('should turn only tickets in line sold out, every live one expired on close, and never undo a final status', () => {
    const { sut, offered, render } = setup();
    sut.merge({ ticket: ticket({ status: 'admitted', expiresAt: Date.now() + 60_000 }), ahead: 0 });
    sut.turn('sold_out', true);
    render();
    sut.turn('expired', false);
    render();
    sut.merge({ ticket: ticket(), ahead: 3 });
    sut.turn('sold_out', false);
    render();
    expect(offered.map((o) => o.view.status)).toEqual(['admitted', 'expired']);
    expect(sut.inLine).toBe(false);
  });
});
