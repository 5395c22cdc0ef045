import { createServer } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import next from "next";
import { loadConfig, ConfigError } from "./config";
import { logger } from "./logger";
import { handleHealthRequest } from "./http/health";
import { handleMetricsRequest } from "./metrics/metrics-http";
import { createSocketServer } from "./socket/socket-server";
import { createPlatform } from "./platform";
import { clientAddressHeader } from "./limits/guest-signups";
import { clientAddressOf } from "./http/client-address";
import { answerMalformedPath, hasWellFormedEncoding } from "./http/malformed-path";
import { getAuthConfig } from "./auth/auth-config";
import { filesListenPort } from "./files/files-origin-config";
import { createFilesOriginHandler } from "./files/files-origin-server";

const shutdownGraceMs = 10_000;

async function main() {
  const config = loadConfig();
  const dev = config.NODE_ENV !== "production";
  const platform = await createPlatform(config);

  const nextApp = next({ dev, hostname: "localhost", port: config.PORT, dir: process.cwd() });
  await nextApp.prepare();
  const handleNextRequest = nextApp.getRequestHandler();

  const httpServer = createServer((req, res) => {
    const path = req.url?.split("?")[0] ?? "/";
    if (!hasWellFormedEncoding(path)) {
      answerMalformedPath(path, res);
      return;
    }
    if (path === "/health" && (req.method === "GET" || req.method === "HEAD")) {
      void handleHealthRequest(req, res, platform.healthChecks);
      return;
    }
    if (path === "/metrics" && req.method === "GET") {
      void handleMetricsRequest(req, res, config.METRICS_TOKEN);
      return;
    }
    // The address the socket saw, for per-address limits; a client-sent value is overwritten.
    req.headers[clientAddressHeader] = clientAddressOf(req, config.TRUST_PROXY_HOPS);
    void handleNextRequest(req, res);
  });

  const io = createSocketServer(httpServer, platform.socketServer);
  platform.attachSocketServer(io);

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.PORT, config.HOST, resolve);
  });
  // Agent-made pages are shown from a second origin that holds no session (files-origin-server.ts).
  const filesPort = filesListenPort(config);
  const filesServer = filesPort === undefined ? undefined : createServer(createFilesOriginHandler({ files: platform.services.files, secret: getAuthConfig().secret }));
  if (filesServer) {
    await new Promise<void>((resolve, reject) => {
      filesServer.once("error", reject);
      filesServer.listen(filesPort, config.HOST, resolve);
    });
    logger.info({ port: filesPort, origin: config.FILES_ORIGIN }, "agent-made files served from their own origin");
  }
  logger.info(
    { port: config.PORT, mode: dev ? "development" : "production", offlineDemoModel: platform.offlineDemoModel },
    `platform ready at http://localhost:${config.PORT}`,
  );

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "shutting down");
    // Whatever hangs, the process is gone within the grace period.
    setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, shutdownGraceMs).unref();

    // Stop accepting; the callback fires once in-flight requests have finished.
    const drained = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    filesServer?.close();
    filesServer?.closeAllConnections();
    io.emit("platform:notice", { kind: "shutting_down", message: "The platform is restarting. You'll be reconnected automatically." });
    void (async () => {
      // Let the notice reach the clients before their connections close.
      await delay(250);
      io.disconnectSockets(true);
      httpServer.closeIdleConnections();
      await Promise.race([drained, delay(5_000)]);
      httpServer.closeAllConnections();
      // Runs in flight end (their replies are stored as interrupted), then the store closes.
      await platform.shutdown().catch((error: unknown) => logger.error({ err: error }, "platform shutdown failed"));
      await nextApp.close?.().catch(() => undefined);
      logger.info("stopped");
      process.exit(0);
    })();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    logger.fatal({ err: error }, "platform failed to start");
  }
  process.exit(1);
});
