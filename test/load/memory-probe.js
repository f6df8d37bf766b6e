/**
 * Preloaded into the server by the load run (`NODE_OPTIONS=--require …`): on SIGWINCH (a signal
 * Nest's shutdown hooks leave alone, unlike SIGUSR2) it runs a
 * full garbage collection and appends one JSON line of `process.memoryUsage()` (bytes) to the
 * file named by MEMORY_PROBE_FILE, so the run can tell retained JS heap from allocator slack.
 * With MEMORY_PROBE_SNAPSHOTS set it also writes a heap snapshot into that directory.
 */
'use strict';
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const out = process.env.MEMORY_PROBE_FILE;
const snapshots = process.env.MEMORY_PROBE_SNAPSHOTS;
let taken = 0;

if (out) {
  process.on('SIGWINCH', () => {
    gc();
    gc();
    const usage = process.memoryUsage();
    if (snapshots) v8.writeHeapSnapshot(join(snapshots, `heap-${++taken}.heapsnapshot`));
    appendFileSync(out, `${JSON.stringify(usage)}\n`);
  });
}
