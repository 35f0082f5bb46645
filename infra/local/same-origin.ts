// Who may use the local stack's controls (`/_local/*`, the Lambda Invoke API): the developer's own tools on this machine, never a web page.
import type { IncomingMessage } from "node:http";

const loopbackNames = ["127.0.0.1", "localhost", "[::1]"];

/**
 * Why a request to a local control must be refused, or undefined when it comes from the stack itself or a tool with
 * no browser (curl, the SDK, `npm run` scripts send no `Origin`). A browser marks what a page sends: `Origin` on every
 * cross-origin and non-GET request, `Sec-Fetch-Site` on all of them; a page on another origin that rebinds its DNS name
 * to 127.0.0.1 still sends its own name in `Host`. So the host must be a loopback name on the port that received the
 * request, the origin (when sent) that same address, and the fetch site (when sent) the same origin or none.
 */
export function crossSiteRefusal(req: IncomingMessage): string | undefined {
  const port = req.socket.localPort;
  const own = new Set(loopbackNames.map((name) => `${name}:${port}`));
  const host = (req.headers.host ?? "").toLowerCase();
  if (!own.has(host)) return `Host '${host}' is not this local stack`;
  const origin = req.headers.origin;
  if (origin !== undefined && !own.has(originHost(origin))) return `Origin '${origin}' is not this local stack`;
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return `a ${site} request from a web page`;
  return undefined;
}

/** `host:port` of an `http:` origin; anything else (`null`, https, a path) matches no local address. */
function originHost(origin: string): string {
  const match = /^http:\/\/([^/]+)$/i.exec(origin);
  return match ? match[1]!.toLowerCase() : "";
}
