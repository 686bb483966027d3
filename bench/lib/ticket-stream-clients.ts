import http from 'node:http';

/*
 * The waiting-room scenario's ticket streams, in a process of their own (forked by
 * waiting-room.ts, one of several so that no process runs out of descriptors): one raw
 * `GET /api/products/:id/queue/:ticket_id/stream` per ticket it is sent. Events are counted;
 * the first one showing the ticket `admitted` is kept with its arrival time, unless the
 * stream's first event already did (admitted before the stream opened: nothing to time).
 */

type Message = { type: 'open'; tickets: string[] } | { type: 'finish'; expected: string[] };

interface Client {
  events: number;
  /** Whether an event showed the ticket not yet admitted (the admission then happened live). */
  sawWaiting: boolean;
  admitted: { at: number; expiresAt: string } | null;
  ended: boolean;
}

const base = process.env.APP_URL!;
const productId = process.env.PRODUCT_ID!;
/** Streams come from 127.0.0.1 .. 127.0.0.N: one source address has ~28,000 ephemeral ports to one port. */
const sourceAddresses = Number(process.env.SOURCE_ADDRESSES ?? 4);
const offset = Number(process.env.SOURCE_OFFSET ?? 0);
const GROUP = 250;
const clients: Client[] = [];
const byTicket = new Map<string, Client>();
const requests: http.ClientRequest[] = [];
const refusals: Record<string, number> = {};

function open(ticketId: string, index: number): Promise<void> {
  const client: Client = { events: 0, sawWaiting: false, admitted: null, ended: false };
  return new Promise((resolve) => {
    const refused = (why: string) => {
      refusals[why] = (refusals[why] ?? 0) + 1;
      resolve();
    };
    const request = http.get(`${base}/api/products/${productId}/queue/${ticketId}/stream`, {
      agent: false,
      localAddress: `127.0.0.${1 + ((index + offset) % sourceAddresses)}`,
      headers: { accept: 'text/event-stream' },
    });
    requests.push(request);
    request.once('error', (error: NodeJS.ErrnoException) => refused(error.code ?? error.message));
    request.once('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return refused(`HTTP ${response.statusCode}`);
      }
      clients.push(client);
      byTicket.set(ticketId, client);
      resolve();
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          // The data line, first in the block or after `event: queue`; comments (heartbeats) have none.
          const at = block.startsWith('data: ') ? 0 : block.indexOf('\ndata: ') + 1;
          if (at === 0 && !block.startsWith('data: ')) continue;
          client.events++;
          if (client.admitted) continue;
          const lineEnd = block.indexOf('\n', at);
          const json = block.slice(at + 6, lineEnd < 0 ? undefined : lineEnd);
          if (!json.includes('"status":"admitted"')) {
            client.sawWaiting = true;
            continue;
          }
          const ticket = JSON.parse(json) as { admission_expires_at: string };
          client.admitted = { at: Date.now(), expiresAt: ticket.admission_expires_at };
        }
      });
      response.once('close', () => (client.ended = true));
    });
  });
}

async function openAll(tickets: string[]): Promise<void> {
  for (let at = 0; at < tickets.length; at += GROUP) {
    await Promise.all(tickets.slice(at, at + GROUP).map((ticket, i) => open(ticket, at + i)));
  }
  process.send!({ type: 'ready', opened: clients.length, refusals, events: eventCount() });
}

const eventCount = () => clients.reduce((sum, client) => sum + client.events, 0);

/** Waits (at most 15 s) until every ticket the line has admitted shows it, then reports. */
async function finish(expected: string[]): Promise<void> {
  const shown = (id: string) => byTicket.get(id)?.admitted !== null;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !expected.every(shown)) await new Promise((r) => setTimeout(r, 100));
  const result = {
    missing: expected.filter((id) => byTicket.has(id) && !shown(id)).length,
    type: 'result',
    opened: clients.length,
    ended: clients.filter((client) => client.ended).length,
    events: eventCount(),
    admittedLive: clients
      .filter((client) => client.admitted && client.sawWaiting)
      .map((client) => client.admitted!),
    admittedBeforeOpen: clients.filter((client) => client.admitted && !client.sawWaiting).length,
  };
  // Disconnect once the result has left (see stream-clients.ts).
  await new Promise<void>((resolve) => process.send!(result, undefined, {}, () => resolve()));
  requests.forEach((request) => request.destroy());
  process.disconnect();
}

process.on('message', (message: Message) => {
  if (message.type === 'open') void openAll(message.tickets);
  else void finish(message.expected);
});
process.send!({ type: 'started' });
