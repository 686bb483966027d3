import http from 'node:http';

/*
 * The fan-out scenario's stream clients, in a process of their own (run by fan-out.ts over
 * IPC) so that parsing thousands of streams never starves the load generator's event loop.
 * Each client is one raw GET of `/api/products/stream?ids=<hot>,<probe>`; events of the hot
 * product are only counted, and the probe product's stock is recorded with its arrival time.
 */

type Message = { type: 'probe'; answeredAt: number; expected: number } | { type: 'finish' };

interface Client {
  events: number;
  /** Arrival time and available_stock of each probe-product event. */
  probeEvents: Array<{ at: number; available: number }>;
  ended: boolean;
}

const url = process.env.STREAM_URL!;
const count = Number(process.env.STREAM_CLIENTS);
const probeId = Number(process.env.PROBE_PRODUCT_ID);
const GROUP = 250;
const probes: Array<{ answeredAt: number; expected: number }> = [];
const clients: Client[] = [];
const requests: http.ClientRequest[] = [];
const probePrefix = `data: {"id":${probeId},`;

function open(): Promise<Client> {
  const client: Client = { events: 0, probeEvents: [], ended: false };
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } });
    requests.push(request);
    request.once('error', reject);
    request.once('response', (response) => {
      if (response.statusCode !== 200) return reject(new Error(`stream answered ${response.statusCode}`));
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.indexOf('\ndata: ');
          if (data < 0) continue;
          client.events++;
          if (client.events === 1) resolve(client);
          if (block.startsWith(probePrefix, data + 1)) {
            const line = block.slice(data + 7);
            client.probeEvents.push({
              at: Date.now(),
              available: (JSON.parse(line) as { available_stock: number }).available_stock,
            });
          }
        }
      });
      response.once('close', () => (client.ended = true));
    });
  });
}

function sawAll(client: Client, expected: number): boolean {
  return client.probeEvents.some((event) => event.available <= expected);
}

async function finish(): Promise<void> {
  const last = probes[probes.length - 1];
  const deadline = Date.now() + 15_000;
  while (last && Date.now() < deadline && !clients.every((client) => sawAll(client, last.expected))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const lastClient: number[] = [];
  const everyClient: number[] = [];
  let missing = 0;
  for (const client of clients) {
    let missed = false;
    probes.forEach((probe, index) => {
      const seen = client.probeEvents.find((event) => event.available <= probe.expected);
      if (!seen) {
        missed = true;
        return;
      }
      const delay = Math.max(0, seen.at - probe.answeredAt);
      everyClient.push(delay);
      lastClient[index] = Math.max(lastClient[index] ?? 0, delay);
    });
    if (missed) missing++;
  }
  const result = {
    type: 'result',
    events: clients.reduce((sum, client) => sum + client.events, 0),
    lastClient,
    everyClient,
    missing,
    ended: clients.filter((client) => client.ended).length,
  };
  // Disconnect once the result has left: a large result sent just before a disconnect could
  // be dropped, and the parent then saw the clients exit without one.
  await new Promise<void>((resolve) => process.send!(result, undefined, {}, () => resolve()));
  requests.forEach((request) => request.destroy());
  process.disconnect();
}

async function main(): Promise<void> {
  for (let opened = 0; opened < count; opened += GROUP) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(GROUP, count - opened) }, open))));
  }
  process.on('message', (message: Message) => {
    if (message.type === 'probe') probes.push({ answeredAt: message.answeredAt, expected: message.expected });
    else void finish();
  });
  process.send!({ type: 'ready', events: clients.reduce((sum, client) => sum + client.events, 0) });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
