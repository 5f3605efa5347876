import type { Server } from "node:http";
import type { Socket } from "node:net";

/** Node's parser codes for requests too large in their head, for a 431 rather than a 400. */
const TOO_LARGE = new Set(["HPE_HEADER_OVERFLOW"]);

/**
 * Requests that Node's HTTP parser refuses before Koa sees them (a TRACE with a body, a malformed request
 * line, headers too large) get Node's bare `400 Bad Request` with no body; here they get the same JSON error
 * body as everything else. The connection is closed after it, as Node does: the stream cannot be trusted.
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (error.code === "ECONNRESET" && socket.destroyed)) {
      socket.destroy();
      return;
    }
    const [status, reason] = TOO_LARGE.has(error.code ?? "") ? [431, "Request Header Fields Too Large"] : [400, "Bad Request"];
    const body = JSON.stringify({ detail: `${reason}: the request could not be parsed.` });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  });
}
