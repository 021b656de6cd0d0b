#!/usr/bin/env python3
"""Size limits of the product code (issue 15's rule, STYLE.md's small units).

  size_limits.py MAX_FUNCTION_LINES MAX_FILE_LINES FILE...

Prints one line per function body longer than MAX_FUNCTION_LINES (counted
from the line of its opening brace to the line of its closing brace) and per
.cc file longer than MAX_FILE_LINES; exits 1 if there is any. A function body
is an outermost brace block whose opener follows `)`, a trailing qualifier
(const, override, noexcept, final, mutable) or a trailing return type; braces
of namespaces, classes, enums and initialisers are not function bodies.
Comments, string and character literals are blanked before counting braces.
"""
import re
import sys

QUALIFIERS = ("const", "override", "noexcept", "final", "mutable")
LITERAL = re.compile(r'//[^\n]*|/\*.*?\*/|R"([^(]*)\(.*?\)\1"|"(?:\\.|[^"\\\n])*"|'
                     r"'(?:\\.|[^'\\\n])*'", re.S)


def blank(text):
    """Replaces comments and literals by spaces, keeping the newlines."""
    return LITERAL.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def opens_function(before):
    """Whether a `{` preceded by `before` (code up to it) opens a function body."""
    tail = before.rstrip()
    words = tail.split()
    return (tail.endswith(")") or (bool(words) and words[-1] in QUALIFIERS) or
            re.search(r"\)\s*(const\s*)?->\s*[^;{}()]+$", tail) is not None)

def long_functions(path, text, limit):
    code = blank(text)
    found, depth, start = [], 0, None  # start: (depth, line) of the open function
    line = 1
    for i, ch in enumerate(code):
        if ch == "\n":
            line += 1
        elif ch == "{":
            if start is None and opens_function(code[max(0, i - 400):i]):
                start = (depth, line)
            depth += 1
        elif ch == "}":
            depth -= 1
            if start is not None and depth == start[0]:
                length = line - start[1] + 1
                if length > limit:
                    found.append(f"{path}:{start[1]}: function body of {length} lines (limit {limit})")
                start = None
    return found


def main(argv):
    max_function, max_file, paths = int(argv[1]), int(argv[2]), argv[3:]
    problems = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        problems += long_functions(path, text, max_function)
        lines = text.count("\n")
        if path.endswith(".cc") and lines > max_file:
            problems.append(f"{path}: {lines} lines (limit {max_file})")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
