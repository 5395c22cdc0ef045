"use client";

import type { Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../lib/socket-events";
import { useConnectionStore } from "./connection-store";

export type PlatformClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: Promise<PlatformClientSocket> | null = null;

/**
 * One socket per tab, created on first use in the browser (browser state, hence stores/, not lib/).
 * It reconnects by itself; the connection store mirrors its state for the UI. The client library
 * loads with it rather than with every page (it is a tenth of a page's JavaScript); calls made
 * meanwhile wait for it, in order.
 */
export function loadPlatformSocket(): Promise<PlatformClientSocket> {
  socket ??= import("socket.io-client").then(({ io }) => createPlatformSocket(io));
  return socket;
}

function createPlatformSocket(io: typeof import("socket.io-client").io): PlatformClientSocket {
  const store = useConnectionStore.getState();
  const created: PlatformClientSocket = io({
    path: "/socket.io",
    transports: ["websocket", "polling"],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
    withCredentials: true,
  });

  created.on("connect", () => {
    store.setStatus("connected");
    created.emit("platform:ping", { sentAt: Date.now() }, (response) => {
      if (response.ok) useConnectionStore.getState().setOfflineDemoModel(response.data.offlineDemoModel);
    });
  });
  created.on("disconnect", (reason) => {
    if (reason === "io client disconnect") store.setStatus("offline", "Disconnected.");
    else store.setStatus("reconnecting", "Connection lost. Reconnecting…");
  });
  created.on("connect_error", (error) => {
    // An inactive socket will not retry by itself: the server refused us (e.g. signed out).
    if (!created.active) store.setStatus("offline", error.message);
    else store.setStatus(navigator.onLine ? "reconnecting" : "offline", navigator.onLine ? "Can't reach the platform. Retrying…" : "You're offline. Waiting for the network…");
  });
  created.io.on("reconnect_attempt", () => {
    if (useConnectionStore.getState().status !== "offline" || navigator.onLine) store.setStatus("reconnecting", "Reconnecting…");
  });
  created.on("platform:notice", (notice) => {
    if (notice.kind === "shutting_down") store.setStatus("reconnecting", notice.message);
  });
  window.addEventListener("offline", () => store.setStatus("offline", "You're offline. Waiting for the network…"));
  window.addEventListener("online", () => {
    if (created.connected) store.setStatus("connected");
    else created.connect();
  });

  return created;
}
