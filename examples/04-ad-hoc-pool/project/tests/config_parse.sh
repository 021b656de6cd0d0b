# key=value lines parse; a comment is skipped.
printf 'a=1\n# c\nb=2\n' | grep -vc '^#' | grep -qx 2
