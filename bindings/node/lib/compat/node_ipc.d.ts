// require('libipc/compat/node_ipc'): the API of @wooddeep/node_ipc over libipc.
/// <reference types="node" />

/** Options for a queue this process creates (an extension; default 256 x 1024 bytes). */
export interface QueueOptions {
  capacity?: number;
  maxMessageSize?: number;
}

/** Creates the semaphore with one unit, or opens an existing one as it is. */
export function semCreate(name: string): Promise<void>;
/** Opens an existing semaphore (IpcError IPC_ENOENT if none). */
export function semOpen(name: string): void;
export function semClose(name: string): void;
/** Takes a unit, waiting without blocking the event loop: 0; 1 if there is no such semaphore. */
export function semRequire(name: string): Promise<number>;
/** Gives a unit back: 0; 1 if there is no such semaphore. */
export function semRelease(name: string): Promise<number>;

export function shmCreate(name: string, size: number): void;
/** Opens the segment, creating it with `size` bytes if there is none. */
export function shmOpen(name: string, size: number): void;
export function shmClose(name: string): void;
/** Writes the string's UTF-8 bytes (no terminator); nothing if the segment is not open here. */
export function shmWriteStr(name: string, offset: number, data: string): void;
/** Text up to the first NUL within offset..offset+size; null if the segment is not open here. */
export function shmReadStr(name: string, offset: number, size: number): string | null;
export function shmReadBuf(name: string, offset: number, size: number): Buffer | null;

/** The queue to listen on (created if missing): its index for mqListen. */
export function mqCreate(topic: string, options?: QueueOptions): Promise<number>;
/** callback(data) for each message, the string exactly as published. */
export function mqListen(callback: (data: string) => void, index: number): void;
/** The queue to publish to (created if missing): its index for mqPublish. */
export function mqEstablish(topic: string, options?: QueueOptions): Promise<number>;
/** Queues content; if the queue is full the Promise resolves once there was room. */
export function mqPublish(index: number, content: string | ArrayBufferView): Promise<void>;

/** Closes every handle of this process and removes what it created. Idempotent. */
export function processExit(): void;
