# Rotating keeps the newest lines.
seq 1 100 >/tmp/app.log && tail -n 10 /tmp/app.log | head -n 1 | grep -qx 91
