// require('libipc/compat/node-ipc'): node-ipc's API (9.2.1) over libipc sockets.
/// <reference types="node" />

type Handler = (...args: any[]) => void;

/** node-ipc's event emitter (event-pubsub): on/once/off/publish; '*' gets (type, ...args). */
declare class PubSub {
  on(type: string, handler: Handler): this;
  once(type: string, handler: Handler): this;
  /** handler '*' removes every handler of the type. */
  off(type: string, handler: Handler | '*'): this;
  publish(type: string, ...args: any[]): this;
  trigger(type: string, ...args: any[]): this;
}

export interface Config {
  appspace: string;
  socketRoot: string;
  id: string;
  encoding: BufferEncoding;
  rawBuffer: boolean;
  sync: boolean;
  unlink: boolean;
  delimiter: string;
  silent: boolean;
  logDepth: number;
  logInColor: boolean;
  logger: (line: string) => void;
  maxConnections: number;
  retry: number;
  maxRetries: number | false;
  stopRetrying: boolean | number;
  IPType: string;
  /** false, or node-ipc's TLS keys: public, private, trustedConnections, rejectUnauthorized, requestCert, servername. */
  tls: false | {
    public?: string; private?: string; trustedConnections?: string | string[];
    rejectUnauthorized?: boolean; requestCert?: boolean; servername?: string; [key: string]: unknown;
  };
  networkHost: string;
  networkPort: number;
  readableAll: boolean;
  writableAll: boolean;
  interface: Record<string, unknown>;
  [key: string]: unknown;
}

/** The `socket` a server handler gets: pass it back to server.emit(). */
export interface Socket {
  /** libipc's connection id. */
  readonly conn: number;
  /** Set from the data of a message with an `id` (node-ipc's rule). */
  id?: unknown;
  destroyed: boolean;
  remoteAddress?: string;
  /** UDP: the sender. */
  address?: string;
  port?: number;
  write(data: string | Buffer): boolean;
  destroy(): void;
  end(): void;
}

export interface Server extends PubSub {
  path: string;
  port?: number;
  udp4: boolean;
  udp6: boolean;
  sockets: Socket[];
  define: { listen: Record<string, string>; broadcast: Record<string, string> };
  start(): void;
  /** Closes the listener and (unlike node-ipc) the connections. */
  stop(): void;
  emit(socket: Socket | { address: string; port: number }, type: string, data?: unknown): void;
  /** Without a socket: a broadcast. */
  emit(type: string, data?: unknown): void;
  broadcast(type: string, data?: unknown): void;
}

export interface Client extends PubSub {
  id: string;
  path: string;
  port?: number;
  emit(type: string | Buffer, data?: unknown): void;
}

export interface IPC {
  config: Config;
  of: Record<string, Client>;
  server: Server | false;
  log(...args: unknown[]): void;
  connectTo(id: string, path?: string | (() => void), callback?: () => void): void;
  connectToNet(id: string, host?: string | number | (() => void), port?: number | (() => void), callback?: () => void): void;
  disconnect(id: string): void;
  serve(path?: string | (() => void), callback?: () => void): void;
  serveNet(host?: string | number | (() => void), port?: number | string | (() => void), UDPType?: 'udp4' | 'udp6' | (() => void), callback?: () => void): void;
}

declare const ipc: IPC & { IPC: new () => IPC };
export = ipc;
