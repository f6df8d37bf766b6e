#!/usr/bin/env bash
# A stand-in browser for scripted sign-ins (BROWSER=scripts/follow-url.sh): requests the URL and follows
# its redirects, which end at the console client's loopback callback.
exec node -e 'fetch(process.argv[1]).then((r) => r.arrayBuffer(), (e) => { console.error(e.message); process.exitCode = 1; })' "$1"
