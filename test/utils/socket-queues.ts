import { readFileSync } from 'node:fs';

/** What the kernel holds for a server on `port` that its process has not taken yet. */
export interface ServerBacklog {
  /** Connections completed by the kernel that the process has not accepted. */
  unaccepted: number;
  /** Accepted connections. */
  connections: number;
  /** Of those, connections with bytes the process has not read. */
  unread: number;
}

/**
 * Reads /proc/net/tcp (IPv4, this network namespace). For a listening socket rx_queue is
 * its accept backlog; for an established one, the bytes received and not yet read. So a
 * server has read every request sent to it when nothing is unaccepted or unread: a
 * condition to wait for instead of sleeping "long enough".
 */
export function serverBacklog(port: number): ServerBacklog {
  const backlog: ServerBacklog = { unaccepted: 0, connections: 0, unread: 0 };
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , state, queues] = line.trim().split(/\s+/);
    if (!local || Number.parseInt(local.split(':')[1], 16) !== port) continue;
    const received = Number.parseInt(queues.split(':')[1], 16);
    if (state === '0A') {
      backlog.unaccepted += received;
    } else if (state === '01') {
      backlog.connections++;
      if (received > 0) backlog.unread++;
    }
  }
  return backlog;
}
