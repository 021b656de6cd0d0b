# The device prints its banner.
echo "arena-device 1.0" | grep -q "arena-device"
