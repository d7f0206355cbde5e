// The listening socket in front of the HTTP server: every TCP (or TLS) socket is read here
// until its first request's headers are complete, and only then handed to node:http.
//
// Why not let node:http read the socket itself: it parses every request a client pipelines
// on one socket in the same synchronous pass, building a request and a response object for
// each, thousands per 64 KiB read, and nothing between two reads can interleave with it.
// Here a socket carries one plain HTTP request at most: that request alone goes to node:http
// (through a stream that sees nothing else), it is answered with Connection: close, and
// whatever was pipelined after it is never read. A WebSocket upgrade is handed over whole:
// from then on the socket is the connection's (ws reads it).
//
// The upgrade request must be complete within upgradeTimeoutMs of the socket being ready
// (HTTP 408) and fit MAX_HEAD_BYTES (HTTP 431), as node:http's own limits would have it.
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Server as HttpServer } from 'node:http';
import { Duplex } from 'node:stream';

/** Largest request head read (node:http's default max header size). */
export const MAX_HEAD_BYTES = 16 * 1024;

const END_OF_HEAD = Buffer.from('\r\n\r\n');

export interface FrontOptions {
  /** Where complete requests go; it never listens itself. */
  readonly http: HttpServer;
  /** A new TCP socket: false if it was refused (and is being closed). */
  readonly onSocket: (socket: Socket) => boolean;
  readonly upgradeTimeoutMs: number;
  readonly tls: { cert: string | Buffer; key: string | Buffer } | null;
}

/** Sends a short HTTP answer on a socket no parser has seen, and closes it. */
function refuseRaw(socket: Socket, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** Whether a request head asks for a protocol upgrade. */
function isUpgrade(head: Buffer): boolean {
  return /\r\nupgrade[ \t]*:/i.test(head.toString('latin1'));
}

/**
 * A stream that gives node:http one request head and nothing more, and writes its answer to
 * the socket; ending it ends the socket.
 */
function oneRequestStream(socket: Socket, head: Buffer): Duplex {
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      if (socket.destroyed) done();
      else socket.write(chunk, () => done());
    },
    final(done) {
      socket.end();
      done();
    },
    destroy(error, done) {
      socket.destroy();
      done(error);
    },
  });
  // What routes and admission read off req.socket.
  Object.defineProperties(stream, {
    remoteAddress: { value: socket.remoteAddress },
    remotePort: { value: socket.remotePort },
    encrypted: { value: (socket as TLSSocket).encrypted === true },
  });
  socket.once('close', () => stream.destroy());
  stream.push(head);
  return stream;
}

export class HttpFront {
  readonly server: NetServer;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: FrontOptions) {
    if (opts.tls) {
      const tls = createTlsServer({ cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: opts.upgradeTimeoutMs });
      tls.on('connection', (socket: Socket) => this.accept(socket));
      tls.on('secureConnection', (socket: TLSSocket) => this.readHead(socket));
      tls.on('tlsClientError', (_e, socket) => socket.destroy());
      this.server = tls;
    } else {
      this.server = createNetServer((socket) => {
        if (this.accept(socket)) this.readHead(socket);
      });
    }
  }

  private accept(socket: Socket): boolean {
    socket.on('error', () => socket.destroy());
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return this.opts.onSocket(socket);
  }

  /** Reads `socket` until its first request head is complete, then hands it over. */
  private readHead(socket: Socket): void {
    let chunks: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => {
      stop();
      refuseRaw(socket, '408 Request Timeout');
    }, this.opts.upgradeTimeoutMs);
    const stop = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', stop);
      socket.pause();
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      const all = chunks.length === 1 ? chunk : Buffer.concat(chunks, length);
      chunks = [all];
      // The end of the head can straddle two chunks: look from a little before the new one.
      const end = all.indexOf(END_OF_HEAD, Math.max(0, length - chunk.length - 3));
      if (end < 0) {
        if (length > MAX_HEAD_BYTES) {
          stop();
          refuseRaw(socket, '431 Request Header Fields Too Large');
        }
        return;
      }
      stop();
      const head = all.subarray(0, end + END_OF_HEAD.length);
      if (isUpgrade(head)) {
        // The whole of what was read: frames may follow the upgrade request at once.
        socket.unshift(all);
        this.opts.http.emit('connection', socket);
        socket.resume();
      } else {
        this.opts.http.emit('connection', oneRequestStream(socket, head));
      }
    };
    socket.on('data', onData);
    socket.once('close', stop);
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops listening and cuts every socket. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
