# Tests run without a network: only loopback is there.
[ "$(ls /sys/class/net)" = lo ]
