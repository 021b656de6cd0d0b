# A 1 MB file fits in the workspace.
head -c 1048576 /dev/zero >/tmp/quota && [ "$(wc -c </tmp/quota)" -eq 1048576 ]
