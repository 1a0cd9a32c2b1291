import net, { type AddressInfo, type Socket } from 'node:net';

/** A TCP relay to `upstream` that can be cut: a database outage as the handler's driver sees it. */
export interface CuttableLink {
  /** `host:port` to connect to instead of the upstream. */
  readonly host: string;
  readonly port: number;
  /** Drops every open connection, and every new one at once, until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startCuttableLink(upstream: { host: string; port: number }): Promise<CuttableLink> {
  const sockets = new Set<Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return void client.destroy();
    const remote = net.connect(upstream.port, upstream.host);
    for (const socket of [client, remote]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(remote).pipe(client);
    client.on('close', () => remote.destroy());
    remote.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
