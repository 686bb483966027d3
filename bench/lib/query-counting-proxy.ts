import { AddressInfo, createServer, Server, Socket } from 'node:net';

/** MySQL client commands that run a statement (text protocol, or a prepared statement's execution). */
const COM_QUERY = 0x03;
const COM_STMT_EXECUTE = 0x17;

/**
 * A TCP proxy in front of MariaDB that counts the statements its clients send: proof, from
 * outside an API process, of how many database round trips a piece of work costs. It reads only
 * the packet headers of the client-to-server direction: a packet with sequence id 0 starts a
 * command (the handshake's packets from the client have sequence ids 1 and up), and its first
 * payload byte says which. The shared server's own counters (SHOW GLOBAL STATUS) would count
 * every other client of the machine too.
 */
export class QueryCountingProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private statements = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Statements (COM_QUERY and COM_STMT_EXECUTE) sent through the proxy so far. */
  get count(): number {
    return this.statements;
  }

  async start(): Promise<number> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      }
      upstream.connect(this.targetPort, this.targetHost);
      client.on('data', this.commandCounter());
      client.pipe(upstream).pipe(client);
      const closeBoth = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', closeBoth).on('close', closeBoth);
      upstream.on('error', closeBoth).on('close', closeBoth);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Walks one connection's packets by their 4-byte headers (3 bytes length, 1 byte sequence id). */
  private commandCounter(): (chunk: Buffer) => void {
    let skip = 0;
    let header = Buffer.alloc(0);
    return (chunk) => {
      let at = 0;
      while (at < chunk.length) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - at);
          skip -= n;
          at += n;
          continue;
        }
        // The header and the command byte after it, possibly split over chunks.
        const take = Math.min(5 - header.length, chunk.length - at);
        header = Buffer.concat([header, chunk.subarray(at, at + take)]);
        at += take;
        if (header.length < 5) continue;
        const length = header[0] | (header[1] << 8) | (header[2] << 16);
        if (header[3] === 0 && (header[4] === COM_QUERY || header[4] === COM_STMT_EXECUTE)) this.statements++;
        // (An empty packet, which clients never send as a command, would put this off by a byte.)
        skip = Math.max(0, length - 1);
        header = Buffer.alloc(0);
      }
    };
  }
}
