// Preloaded (NODE_OPTIONS=--require) into processes a test starts: appends every outbound
// TCP connection attempt to the file named by CONNECT_PROBE_LOG, one JSON line each, so the
// test can show a process never tried to reach MariaDB, Redis or anything else.
const { appendFileSync } = require('node:fs');
const net = require('node:net');

const log = process.env.CONNECT_PROBE_LOG;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const [first, second] = args;
  const options = Array.isArray(first) ? first[0] : first;
  const target =
    typeof options === 'object' && options !== null
      ? { host: options.host, port: options.port, path: options.path }
      : { port: first, host: typeof second === 'string' ? second : undefined };
  if (log)
    appendFileSync(log, JSON.stringify({ pid: process.pid, argv: process.argv.slice(1), ...target }) + '\n');
  return connect.apply(this, args);
};
