'use strict';
// The Node interop peer (tests/interop/README.md): peer <area> <role> <name> <other-lang>.
// Uses the binding's own API: the zero-copy Buffer view, the string helper
// (ipc_shm_write_string / read_string) and a Float64Array view.
// The package is found through NODE_PATH (<build>/lib/nodejs), as CMake registers it.
const { SharedMemory } = require('libipc');

const SIZE = 4096;
const TEXT = 'libipc interop ✓ héllo wörld 😀';
const FLOATS = [0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, 65504.0];

function fail(msg) {
  process.stderr.write(`node peer: ${msg}\n`);
  process.exit(1);
}

function shmCreate(name) {
  const shm = SharedMemory.create(name, SIZE);
  const buf = shm.buffer;
  for (let i = 0; i < 256; i++) buf[i] = i;
  const n = shm.writeString(TEXT, 260, 'utf8');
  buf.writeUInt32LE(n, 256);
  shm.float64Array(1024, 8).set(FLOATS);
  buf.fill(0, 2048, 2048 + 32);
  buf.write('node', 2048, 'ascii');
  shm.close();
  process.stdout.write('ready\n');
}

function shmOpen(name, creator) {
  const shm = SharedMemory.open(name);
  if (shm.size !== SIZE) fail(`size ${shm.size}`);
  const buf = shm.buffer;
  for (let i = 0; i < 256; i++) if (buf[i] !== i) fail(`byte ${i} = ${buf[i]}`);
  const n = buf.readUInt32LE(256);
  const text = shm.readString(260, n, 'utf8');
  if (text !== TEXT) fail(`text ${JSON.stringify(text)}`);
  const f = shm.float64Array(1024, 8);
  for (let i = 0; i < 8; i++) {
    if (!Object.is(f[i], FLOATS[i])) fail(`float ${i} = ${f[i]}, expected ${FLOATS[i]}`);
  }
  const lang = buf.toString('ascii', 2048, 2048 + 32).replace(/\0+$/, '');
  if (lang !== creator) fail(`creator ${JSON.stringify(lang)}, expected ${JSON.stringify(creator)}`);
  shm.close();
  process.stdout.write(`ok: read ${lang}'s segment\n`);
}

function main() {
  const [area, role, name, other] = process.argv.slice(2);
  if (!other) {
    process.stderr.write('usage: peer AREA create|open NAME OTHER_LANG\n');
    process.exit(2);
  }
  if (area !== 'shm') {
    process.stderr.write(`node peer: unknown area ${area}\n`);
    process.exit(2);
  }
  try {
    if (role === 'create') shmCreate(name);
    else shmOpen(name, other);
  } catch (e) {
    fail(`${e.code || e.name}: ${e.message}`);
  }
}

main();
