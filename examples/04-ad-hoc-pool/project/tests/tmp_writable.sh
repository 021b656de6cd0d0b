# /tmp is writable and sticky.
touch /tmp/probe && [ -k /tmp ]
