import { connect, createServer, type Socket } from "node:net";

/**
 * A person's network path to the load balancer: a TCP relay on loopback that connects onward from
 * a client address of our choosing (any 127.x.y.z is this machine's). nginx pins Socket.IO to a
 * replica by client address, and every browser here comes from 127.0.0.1; moving the relay to
 * another address is what a laptop switching from Wi-Fi to a phone's hotspot does: its open
 * connections drop, and the next ones reach nginx from a new address.
 */
export interface ClientNetwork {
  /** Where the browser goes: http://localhost:<relay port> (cookies of localhost apply, whatever the port). */
  readonly url: string;
  /** The client address nginx sees now. */
  readonly address: string;
  /** From now on connections come from `address`; the ones open now are cut, as a network change cuts them. */
  moveTo(address: string): void;
  close(): Promise<void>;
}

export async function openClientNetwork(target: { host: string; port: number }, address = "127.0.0.1"): Promise<ClientNetwork> {
  let current = address;
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  };

  const relay = createServer((browserSide) => {
    const balancerSide = connect({ host: target.host, port: target.port, localAddress: current });
    track(browserSide);
    track(balancerSide);
    browserSide.pipe(balancerSide).pipe(browserSide);
    browserSide.once("error", () => balancerSide.destroy());
    balancerSide.once("error", () => browserSide.destroy());
    browserSide.once("close", () => balancerSide.destroy());
    balancerSide.once("close", () => browserSide.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    relay.once("error", reject);
    relay.listen(0, "127.0.0.1", resolve);
  });
  const { port } = relay.address() as { port: number };

  return {
    url: `http://localhost:${port}`,
    get address() {
      return current;
    },
    moveTo(next) {
      current = next;
      for (const socket of open) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        relay.close(() => resolve());
      }),
  };
}
