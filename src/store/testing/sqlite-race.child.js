// A separate OS process with its own SqliteStore on a shared file, for the cross-process
// race tests in sqlite.store.spec.ts. Plain JS (loaded by fork): it registers ts-node itself.
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by fork() outside the TypeScript build */
const { join } = require('node:path');
require('ts-node').register({ transpileOnly: true, project: join(__dirname, '../../../tsconfig.json') });
const { SqliteStore } = require('../sqlite.store');

const [dataDir, keyCount, increments] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const store = new SqliteStore({ dataDir });

process.on('message', async (message) => {
  if (message !== 'go') return;
  const taken = [];
  for (let i = 0; i < keyCount; i++) {
    if ((await store.take(`code:${i}`)) !== null) taken.push(i);
  }
  let casLosses = 0;
  for (let done = 0; done < increments; ) {
    const current = await store.get('counter');
    if (await store.compareAndSet('counter', current, String(Number(current) + 1), 60_000)) done++;
    else casLosses++;
  }
  await store.close();
  process.send({ taken, casLosses }, () => process.exit(0));
});
process.send('ready');
