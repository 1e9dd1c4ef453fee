// require('libipc/compat/libsharedmemory'): node-libsharedmemory's streams over
// libipc's stream layout (ipc_shm_stream_*).

export class NodeSharedMemoryWriteStream {
  /** (name = 'libsharedmemory', size = 65535 bytes incl. the 32-byte header, persistent = true) */
  constructor(name?: string, size?: number, persistent?: boolean);
  readonly name: string;
  readonly size: number;
  readonly persistent: boolean;
  readonly version: number;
  writeString(text: string): void;
  writeFloatArray(values: Float32Array | ArrayLike<number>): void;
  writeDoubleArray(values: Float64Array | ArrayLike<number>): void;
  /** node-libsharedmemory 0.x form. */
  write(data: string, name?: string, size?: number, persistent?: boolean): void;
  /** Closes; removes the segment if not persistent. */
  close(): void;
}

export class NodeSharedMemoryReadStream {
  constructor(name?: string, size?: number, persistent?: boolean);
  readonly name: string;
  readonly size: number;
  readonly persistent: boolean;
  readonly version: number;
  readString(): string;
  readFloatArray(): Float32Array;
  readDoubleArray(): Float64Array;
  /** node-libsharedmemory 0.x form. */
  read(name?: string, size?: number, persistent?: boolean): string;
  close(): void;
}
