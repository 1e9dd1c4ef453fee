'use strict';
// Real processes: Node <-> Node (fixtures/child.js) and Node <-> C
// (tests/c/shm_child.c, C ABI only). Synchronised on output lines and exit
// codes, never on timers.
const test = require('node:test');
const assert = require('node:assert/strict');
const { SharedMemory } = require('libipc');
const {
  uniqueName, uniqueFile, uniqueKey, nodeChild, runNodeChild, run, start, pattern, SHM_CHILD,
} = require('./helpers');

test('Node creates, a Node child verifies and answers', async () => {
  const name = uniqueName();
  const shm = SharedMemory.create(name, 4096);
  const buf = shm.buffer;
  for (let i = 0; i < 256; i++) buf[i] = i;
  buf.writeUInt32LE(shm.writeString('from the parent ✓ 😀', 516), 512);
  shm.float64Array(1024, 3).set([0.5, -1.25, 1e300]);
  const r = await runNodeChild('verify', name, 4096);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ok\n');
  assert.equal(shm.readString(2048, 5), 'child', 'the child\'s write is visible through our view');
  shm.close();
});

test('a child keeps its view after close() and removal; our writes reach it', async () => {
  const name = uniqueName();
  const shm = SharedMemory.create(name, 4096);
  const child = nodeChild('hold', name);
  assert.equal(await child.line(), 'mapped');
  SharedMemory.remove(name);  // existing mappings stay valid
  shm.buffer.write('ABCDEFGH');
  child.send('go');
  assert.equal(await child.line(), Buffer.from('ABCDEFGH').toString('hex'));
  assert.equal(await child.exit(), 0, child.stderr);
  shm.close();
});

const KINDS = [
  ['posix', () => uniqueName('c')],
  ['file', () => uniqueFile('c')],
  ['sysv', () => uniqueKey()],
];

for (const [kind, make] of KINDS) {
  test(`${kind}: Node creates, C checks (shm_child)`, async () => {
    const name = make();
    const size = 10000;
    const shm = SharedMemory.create(name, size, { kind });
    const buf = shm.buffer;
    for (let i = 0; i < size; i++) buf[i] = pattern(i);
    if (kind === 'file') shm.flush();
    const r = await run(SHM_CHILD, ['check', kind, String(name), String(size)]);
    // SysV sizes are exact; the check maps the whole segment.
    assert.equal(r.code, 0, r.stderr);
    shm.close();
    SharedMemory.remove(name, kind);
    const gone = await run(SHM_CHILD, ['expect', kind, String(name), 'IPC_ENOENT']);
    assert.equal(gone.code, 0, gone.stderr);
  });

  test(`${kind}: C creates, Node checks`, async () => {
    const name = make();
    const size = 5000;
    const r = await run(SHM_CHILD, ['create', kind, String(name), String(size)]);
    assert.equal(r.code, 0, r.stderr);
    const shm = SharedMemory.open(name, { kind, readOnly: true });
    assert.equal(shm.size, size);
    const copy = shm.read();
    for (let i = 0; i < size; i++) if (copy[i] !== pattern(i)) assert.fail(`byte ${i} = ${copy[i]}`);
    shm.close();
  });
}

test('C holds a mapping while Node removes and rewrites the segment', async () => {
  const name = uniqueName('c');
  const size = 4096;
  const shm = SharedMemory.create(name, size);
  const buf = shm.buffer;
  for (let i = 0; i < size; i++) buf[i] = pattern(i);
  const child = start(SHM_CHILD, ['hold', 'posix', name, String(size)]);
  assert.equal(await child.line(), 'mapped');
  SharedMemory.remove(name);
  buf.copy(buf, 0, 0, size);  // touch every byte through the view (same values)
  child.send('again');
  assert.equal(await child.line(), 'ok');
  assert.equal(await child.exit(), 0, child.stderr);
  shm.close();
});
