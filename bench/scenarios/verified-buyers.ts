import autocannon from 'autocannon';
import {
  JwksServer,
  signingKey,
  TEST_AUDIENCE,
  TEST_ISSUER,
  tokenFor,
} from '../../test/utils/identity-provider';
import { startApp } from '../lib/app-process';
import { type CpuMeter, type CpuPerRequest, measureCpu, procMeter } from '../lib/cpu';
import type { LoadResult } from '../lib/http-load';

/** Holds per token in the measured run: a buyer's first hold verifies, the next ones hit the cache. */
const USES_PER_TOKEN = 10;
/** Tokens of the warm-up only, so the measured run starts with none of its tokens verified. */
const WARMUP_TOKENS = 1_000;

type Measured = LoadResult & { cpuMicrosPerRequest: CpuPerRequest };

/**
 * "Hold with a verified ES256 token": `buyers` distinct buyers, each with an ES256 token
 * from a JWKS endpoint this process serves (as an identity provider would), each token used
 * USES_PER_TOKEN times, round robin, on a product without limits, against an API process
 * with BUYER_AUTH=jwt. The reference is the same load on the BUYER_AUTH=off app (`off`),
 * each buyer named by the body's customer_id. The difference in API CPU per hold is what
 * verifying buyers costs (target: at most 25 µs).
 */
export async function verifiedBuyers(options: {
  off: { url: string; pid: number | undefined };
  /** The scale-out settings of the off app (database, Redis): the jwt app shares them. */
  appEnv: Record<string, string>;
  port: number;
  buyers: number;
  connections: number;
  createProduct: () => Promise<number>;
}) {
  const key = await signingKey('ES256');
  const jwks = await new JwksServer([key]).start();
  const jwt = await startApp(
    {
      ...options.appEnv,
      BUYER_AUTH: 'jwt',
      BUYER_JWT_JWKS_URL: jwks.url,
      BUYER_JWT_ISSUER: TEST_ISSUER,
      BUYER_JWT_AUDIENCE: TEST_AUDIENCE,
    },
    options.port,
  );
  try {
    const sign = (count: number, prefix: string) =>
      Promise.all(Array.from({ length: count }, (_, i) => tokenFor(key, `${prefix}|${i}`)));
    const [warmupTokens, tokens] = [await sign(WARMUP_TOKENS, 'warmup'), await sign(options.buyers, 'auth0')];
    const total = options.buyers * USES_PER_TOKEN;

    const withToken = (productId: number, list: string[], amount: number, meter: CpuMeter) =>
      measureCpu({ api: meter }, () =>
        run(jwt.url, options.connections, amount, (i) => ({
          headers: { authorization: `Bearer ${list[i % list.length]}` },
          body: { product_id: productId, quantity: 1 },
        })),
      );
    const withBody = (productId: number, prefix: string, count: number, amount: number, meter: CpuMeter) =>
      measureCpu({ api: meter }, () =>
        run(options.off.url, options.connections, amount, (i) => ({
          headers: {},
          body: { product_id: productId, quantity: 1, customer_id: `${prefix}|${i % count}` },
        })),
      );

    const jwtMeter = procMeter(jwt.pid);
    const offMeter = procMeter(options.off.pid);
    const jwtProduct = await options.createProduct();
    await withToken(jwtProduct, warmupTokens, WARMUP_TOKENS * 3, jwtMeter);
    const verified = await withToken(jwtProduct, tokens, total, jwtMeter);
    const offProduct = await options.createProduct();
    await withBody(offProduct, 'warmup', WARMUP_TOKENS, WARMUP_TOKENS * 3, offMeter);
    const bodyNamed = await withBody(offProduct, 'auth0', options.buyers, total, offMeter);

    const failures: string[] = [];
    for (const [label, result] of [
      ['verified buyers (jwt)', verified],
      ['verified buyers (off)', bodyNamed],
    ] as const) {
      if (result.errors > 0 || result.non2xx > 0) {
        failures.push(`${label}: ${result.errors} errors, ${result.non2xx} non-2xx of ${total} holds`);
      }
    }
    const jwtApi = verified.cpuMicrosPerRequest.api;
    const offApi = bodyNamed.cpuMicrosPerRequest.api;
    return {
      buyers: options.buyers,
      usesPerToken: USES_PER_TOKEN,
      jwt: verified as Measured,
      off: bodyNamed as Measured,
      apiCpuMicrosMorePerHold: jwtApi === null || offApi === null ? null : jwtApi - offApi,
      failures,
    };
  } finally {
    await jwt.stop();
    await jwks.stop();
  }
}

/** `amount` holds over `connections`, request i shaped by `shape(i)`. */
async function run(
  url: string,
  connections: number,
  amount: number,
  shape: (i: number) => { headers: Record<string, string>; body: unknown },
): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    amount,
    requests: [
      {
        method: 'POST',
        path: '/api/holds',
        setupRequest: (request) => {
          const { headers, body } = shape(next++);
          return {
            ...request,
            headers: { ...request.headers, 'content-type': 'application/json', ...headers },
            body: JSON.stringify(body),
          };
        },
      },
    ],
  });
  const durationSeconds = result.duration || 1;
  return {
    ok: result['2xx'],
    perSecond: Math.round(result['2xx'] / durationSeconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    durationSeconds,
  };
}
