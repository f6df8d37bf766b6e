'use strict';
/** Runs one autocannon load (options as JSON in argv[2]) and prints its result as JSON on stdout. */
const autocannon = require('autocannon');

autocannon(JSON.parse(process.argv[2]), (error, result) => {
  if (error) {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(result));
});
