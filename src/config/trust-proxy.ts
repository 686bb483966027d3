/**
 * TRUST_PROXY, the proxies whose X-Forwarded-For names the client (rate limits key on the
 * client's address): `false` (the TCP peer is the client), `true` (trust every hop: only
 * behind a proxy that overwrites the header), a hop count, or comma-separated addresses and
 * CIDR ranges of the proxies.
 */
const ADDRESS = String.raw`[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]*(\/\d{1,3})?`;
export const TRUST_PROXY_PATTERN = new RegExp(
  String.raw`^(true|false|\d{1,2}|${ADDRESS}(\s*,\s*${ADDRESS})*)$`,
);

/** The setting as Fastify's `trustProxy` option. */
export function trustProxyOption(value: string): boolean | number | string[] {
  const setting = value.trim();
  if (setting === '' || setting === 'false') return false;
  if (setting === 'true') return true;
  if (/^\d+$/.test(setting)) return Number(setting);
  return setting.split(',').map((address) => address.trim());
}
