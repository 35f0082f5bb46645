import type { Server } from "node:http";

/** Stops a local server at once: its open keep-alive connections are closed rather than waited for. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
