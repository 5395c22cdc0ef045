import { createServer } from "node:http";
import { loadConfig } from "../../../server/config";
import { createPlatform } from "../../../server/platform";
import { createSocketServer } from "../../../server/socket/socket-server";

/**
 * The platform's backend as its own process, without Next.js: the real store, scheduler, Claude
 * runner, workspaces and Socket.IO on one port, configured by the environment like server.ts.
 * Tests start several of these on one data directory (two servers, or a restart) without two
 * Next dev servers fighting over the project's .next folder. Prints one JSON line when ready.
 */
async function main() {
  const config = loadConfig();
  const platform = await createPlatform(config);
  const httpServer = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const io = createSocketServer(httpServer, platform.socketServer);
  platform.attachSocketServer(io);
  await new Promise<void>((resolve) => httpServer.listen(config.PORT, "127.0.0.1", resolve));
  console.log(JSON.stringify({ msg: "platform ready", port: config.PORT, instanceId: platform.services.scheduler?.instanceId }));

  const stop = () => {
    io.close();
    void platform.shutdown().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
