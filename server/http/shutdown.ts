import type { Server, ServerResponse } from 'node:http';

export interface Drainable {
  /**
   * Stops taking connections, lets the requests in flight finish (their answers close the connection, so
   * no client is left on a keep-alive socket that is about to go), and resolves true once every connection
   * has ended, or false when `timeoutMs` passed first and the rest were cut.
   */
  close(timeoutMs: number): Promise<boolean>;
}

/** Makes `server` closable gracefully; call it before the server takes requests. */
export function drainable(server: Server): Drainable {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const lastOne = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  server.on('request', (_req, res: ServerResponse) => {
    if (closing) lastOne(res);
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    // An answer whose headers had already gone when closing began leaves an idle keep-alive socket: close it.
    res.once('finish', () => closing && setImmediate(() => server.closeIdleConnections()));
  });
  return {
    close(timeoutMs) {
      closing = true;
      for (const res of inFlight) lastOne(res);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          resolve(false);
        }, timeoutMs);
        server.close(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}
