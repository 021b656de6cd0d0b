#!/bin/sh
# A small test suite in plain sh. The quickstart checks it into a local git
# repository and Arena runs it at that commit inside arena-test/busybox.
pass=0
fail=0
check() {
  name=$1
  shift
  if "$@"; then
    echo "PASS $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name"
    fail=$((fail + 1))
  fi
}
check arithmetic test $((6 * 7)) -eq 42
check workspace-is-the-checkout test -f /workspace/run-tests.sh
check runs-in-a-container test ! -e /etc/debian_version
check no-network sh -c '! ip route 2>/dev/null | grep -q default'
echo "$pass passed, $fail failed on $(uname -m)"
[ "$fail" -eq 0 ]
