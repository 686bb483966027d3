import fc from 'fast-check';

/**
 * Arbitraries for the randomized suite: request bodies of every shape, written as JSON text
 * so they can also carry what JSON.stringify never writes (1e400, -0, 30-digit integers,
 * duplicate or `__proto__` keys, broken syntax).
 */

/** A literal copied verbatim into the JSON text. */
export class RawLiteral {
  constructor(readonly text: string) {}
}

/** JSON text of `value`; RawLiteral parts are written as they are, anything unserialisable as null. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawLiteral) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(
      ([key, member]) => `${JSON.stringify(key)}:${toJsonText(member)}`,
    );
    return `{${members.join(',')}}`;
  }
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return 'null';
  }
}

const NUMBER_LITERALS = [
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '-0',
  '1.0',
  '5e0',
  '1E2',
  '0.1e1',
  '9007199254740993',
];

/** Numbers a validator might get wrong: bounds, floats, past 2^53, IEEE specials (NaN is written null). */
const awkwardNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    1.5,
    0.1,
    -1e-7,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32,
    2 ** 53 - 1,
    2 ** 53 + 2,
    1e21,
    Number.MAX_VALUE,
  ),
  fc.constantFrom(...NUMBER_LITERALS).map((text) => new RawLiteral(text)),
);

const awkwardString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '1',
    '5',
    '-1',
    '1.5',
    '0x10',
    'paid',
    'failed',
    'PAID',
    ' paid',
    'null',
    'x'.repeat(300),
  ),
);

const scalar = fc.oneof(awkwardNumber, awkwardString, fc.boolean(), fc.constant(null));

/**
 * A value for a field: often a plausible one (an id that exists, a small quantity, a known
 * status) so the request gets past validation, otherwise anything of any type.
 */
export function fieldValue(plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: plausible, weight: 4 },
    { arbitrary: scalar, weight: 4 },
    { arbitrary: fc.array(scalar, { maxLength: 3 }), weight: 1 },
    { arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }), weight: 1 },
  );
}

/** An object with the route's own keys (each may be missing) plus, sometimes, extra keys. */
export function shapedBody(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const own = fc.record(
    Object.fromEntries(Object.entries(fields).map(([key, plausible]) => [key, fieldValue(plausible)])),
    { requiredKeys: [] },
  );
  const extra = fc.oneof(
    { arbitrary: fc.constant({}), weight: 3 },
    { arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), scalar, { maxKeys: 3 }), weight: 1 },
  );
  return fc.tuple(extra, own).map(([more, body]) => ({ ...more, ...body }));
}

/** The route's own keys, each plausible most of the time: many of these get past validation. */
export function nearlyValidBody(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.record(
    Object.fromEntries(
      Object.entries(fields).map(([key, plausible]) => [
        key,
        fc.oneof({ arbitrary: plausible, weight: 8 }, { arbitrary: fieldValue(plausible), weight: 1 }),
      ]),
    ),
  );
}

/** Text that is not JSON, or JSON a parser might trip on. */
const strangeText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '',
    '{',
    '[1,2',
    '{"product_id":1,}',
    "{'product_id':1}",
    '{"a":1}{"b":2}',
    'NaN',
    'null',
    'true',
    '"text"',
    '{"product_id":1,"product_id":"x","quantity":1}',
    '{"__proto__":{"quantity":1},"product_id":1}',
    '{"constructor":{"prototype":{"quantity":1}},"product_id":1}',
    '\u0000',
    '{"quantity":\u00001}',
  ),
);

/** More than the 1 MB body limit. */
const OVERSIZED = `{"pad":"${'x'.repeat(1_100_000)}"}`;

export interface FuzzBody {
  text: string;
  contentType: string;
}

/** Every shape of body, as the raw text sent and its Content-Type. */
export function fuzzBody(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<FuzzBody> {
  const json = fc.oneof(
    { arbitrary: nearlyValidBody(fields).map(toJsonText), weight: 14 },
    { arbitrary: shapedBody(fields).map(toJsonText), weight: 5 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map(toJsonText), weight: 3 },
    { arbitrary: fc.anything({ maxDepth: 2 }).map(toJsonText), weight: 2 },
    { arbitrary: fc.array(shapedBody(fields), { maxLength: 2 }).map(toJsonText), weight: 1 },
    { arbitrary: strangeText, weight: 3 },
    { arbitrary: fc.constant(OVERSIZED), weight: 1 },
  );
  const contentType = fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 12 },
    {
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'APPLICATION/JSON',
        'application/vnd.api+json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ),
      weight: 2,
    },
  );
  return fc.record({ text: json, contentType });
}

/** One change to a nested body: the value at `path` replaced by anything, or removed (`remove`). */
interface Mutation {
  path: string;
  value: unknown;
  remove: boolean;
}

function applyMutation(body: unknown, { path, value, remove }: Mutation): void {
  const keys = path.split('.');
  let node = body as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) return;
    node = next as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (remove) delete node[last];
  else node[last] = value;
}

/**
 * A realistic nested body (a Stripe event, say) sent as it is half the time, otherwise
 * with up to three of the given paths replaced by a value of any type or removed, so the
 * validation of every nested field is reached, not just the top level's.
 */
export function mutatedBody(base: fc.Arbitrary<object>, paths: string[]): fc.Arbitrary<FuzzBody> {
  const mutation = fc.record({
    path: fc.constantFrom(...paths),
    value: fieldValue(scalar),
    remove: fc.boolean(),
  });
  const mutations = fc.oneof(fc.constant([]), fc.array(mutation, { minLength: 1, maxLength: 3 }));
  const text = fc.tuple(base, mutations).map(([body, changes]) => {
    const copy = structuredClone(body);
    for (const change of changes) applyMutation(copy, change);
    return toJsonText(copy);
  });
  return fc.record({
    text: fc.oneof({ arbitrary: text, weight: 20 }, { arbitrary: strangeText, weight: 1 }),
    contentType: fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 20 },
      { arbitrary: fc.constant('application/json; charset=utf-8'), weight: 1 },
    ),
  });
}

/** Characters Node lets a client put in a header value: tab, printable ASCII and Latin-1. */
const headerChar = fc
  .oneof(
    { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 20 },
    { arbitrary: fc.constant(0x09), weight: 1 },
    { arbitrary: fc.integer({ min: 0x80, max: 0xff }), weight: 1 },
  )
  .map((code) => String.fromCharCode(code));

/** An Idempotency-Key (or X-Request-Id) header of any length 0-300, absent half the time. */
export const optionalHeaderValue = fc.option(
  fc.oneof(
    { arbitrary: fc.string({ unit: headerChar, maxLength: 300 }), weight: 6 },
    { arbitrary: fc.constantFrom('a'.repeat(255), 'a'.repeat(256), '', ' '), weight: 1 },
  ),
  { nil: undefined },
);

export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
