/**
 * Answers for requests Node's HTTP parser refuses before fastify sees them (a malformed request line,
 * a bad Content-Length, Transfer-Encoding with Content-Length, control characters in headers,
 * headers over 16 KiB, a request that never completes). fastify's default writes its own body
 * shape; this writes the API's one error shape and closes the connection, as the parser's state
 * cannot be trusted after such an error.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { errorHeaders, errorReply, type ErrorBody } from './errors.js';

/** fastify `clientErrorHandler`. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, body } = err.code === 'HPE_HEADER_OVERFLOW'
    ? errorReply('REQUEST_HEADERS_TOO_LARGE', 'The request headers are too large.')
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? errorReply('REQUEST_TIMEOUT', 'The request was not received in time.')
      : errorReply('REQUEST_INVALID', 'The HTTP request is malformed.', [{ field: 'request', code: 'REQUEST_INVALID', message: 'Not a valid HTTP/1.1 request.' }]);
  writeRawError(socket, status, body);
}

/**
 * Writes an error answer straight onto `socket` (for connections fastify does not answer) and ends
 * the writing side: the status line, `Content-Type`, `Content-Length`, `Connection: close`, the
 * headers `errorHeaders` gives (`Retry-After` with a 503), then the body.
 */
export function writeRawError(socket: Socket, status: number, body: ErrorBody): void {
  const json = JSON.stringify(body);
  const extra = Object.entries(errorHeaders(status)).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(json)}\r\n${extra}Connection: close\r\n\r\n${json}`,
  );
}
