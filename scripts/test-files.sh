#!/bin/sh
# The test files npm test runs: every test/**/*.test.ts, the longest first. The runner starts
# files in this order, two at a time, so a long one started last would leave the other core idle
# at the end; the rest follow sorted.
cd "$(dirname "$0")/.." || exit 1
{
  printf '%s\n' test/python/python.test.ts test/package.test.ts test/static-checks.test.ts test/python/gymnasium-ddpg.test.ts \
    test/server/cli.test.ts test/server/memory-budget.test.ts test/python/hostile-frames.test.ts test/plugins.test.ts
  find test -name '*.test.ts' | sort
} | awk '!seen[$0]++' | while read -r f; do [ -f "$f" ] && echo "$f"; done
