import { Agent, request } from 'node:http';

interface Answer {
  status: number;
  body: { data?: { quantity: number }; code?: string; message?: string };
}

/**
 * A sale in miniature: `buyers` concurrent clients each keep asking for 1-3 units until a
 * refusal says nothing is left (after a partial refusal a buyer asks for what remains).
 * Every answer must be 201 or 409; every unit granted must be a stored hold.
 */
export async function sellOut(baseUrl: string, productId: number, buyers: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: buyers });
  const url = new URL('/api/holds', baseUrl);
  let unitsGranted = 0;
  let holdsGranted = 0;
  let refusals = 0;
  let unexpected = 0;

  const buyer = async (seed: number) => {
    let quantity = 1 + (seed % 3);
    for (;;) {
      const answer = await post(agent, url, { product_id: productId, quantity });
      if (answer.status === 201) {
        unitsGranted += answer.body.data!.quantity;
        holdsGranted++;
        quantity = 1 + ((seed + holdsGranted) % 3);
        continue;
      }
      if (answer.status === 409 && answer.body.code === 'INSUFFICIENT_STOCK') {
        refusals++;
        const left = Number(/only (\d+) available/.exec(answer.body.message ?? '')?.[1] ?? 0);
        if (left === 0) return;
        quantity = Math.min(quantity, left);
        continue;
      }
      unexpected++;
      return;
    }
  };

  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: buyers }, (_, index) => buyer(index)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { seconds, unitsGranted, holdsGranted, refusals, unexpected };
}

function post(agent: Agent, url: URL, body: unknown): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
