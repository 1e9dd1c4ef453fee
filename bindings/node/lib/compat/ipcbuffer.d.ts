/// <reference types="node" />
// require('libipc/compat/ipcbuffer'): node-ipcbuffer's constructor forms.

type Target = string | number; // '*name' (POSIX), filename, or SysV key

interface IPCBufferFn {
  (length: number): Buffer;
  (length: number, encodingOrTarget: BufferEncoding | Target): Buffer;
  (length: number, encoding: BufferEncoding, target: Target): Buffer;
  (length: number, target: Target, encoding: BufferEncoding): Buffer;
  (parent: Uint8Array, length: number, offset?: number): Buffer;
  (parent: Uint8Array, length: number, encoding: BufferEncoding, offset: number): Buffer;
  new (length: number, ...rest: Array<string | number>): Buffer;
  new (parent: Uint8Array, length: number, ...rest: Array<string | number>): Buffer;
  /** Removes a shared target. */
  remove(target: Target): void;
  exists(target: Target): boolean;
  IPCBuffer: IPCBufferFn;
}

declare const IPCBuffer: IPCBufferFn;
export = IPCBuffer;
