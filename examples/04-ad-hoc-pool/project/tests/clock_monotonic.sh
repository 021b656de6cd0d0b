# Time does not go backwards between two reads.
a=$(date +%s); b=$(date +%s); [ "$b" -ge "$a" ]
