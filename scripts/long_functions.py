#!/usr/bin/env python3
"""Lists the functions (and initialisers) in Sources longer than a limit, 80 lines by default.

A function may be longer when the line right above its declaration (above its doc comment) says why:
    // Longer than 80 lines: <reason>
Such functions are listed with their reason; the others fail the check (exit status 1).

    python3 scripts/long_functions.py [--limit 80] [Sources]
"""
import argparse
import os
import re
import sys

DECLARATION = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|static|final|'
                         r'override|mutating|nonisolated|class|convenience|required|@discardableResult)\s+)*'
                         r'(func\s+[^\s(<]+|init[?!]?)\s*[(<]')
REASON = '// Longer than 80 lines:'


def strip_strings_and_comments(line):
    """The line without string literals and // comments, so braces inside them are not counted."""
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    return line.split('//', 1)[0]


def long_functions(path, limit):
    with open(path, encoding='utf-8') as file:
        lines = file.read().split('\n')
    found = []
    for index, line in enumerate(lines):
        match = DECLARATION.match(line)
        if not match:
            continue
        depth, opened, end = 0, False, None
        for j in range(index, len(lines)):
            code = strip_strings_and_comments(lines[j])
            if not opened and j > index and DECLARATION.match(lines[j]):
                break   # a protocol requirement: no body
            for character in code:
                if character == '{':
                    depth += 1
                    opened = True
                elif character == '}':
                    depth -= 1
            if opened and depth <= 0:
                end = j
                break
        if end is None:
            continue
        length = end - index + 1
        if length > limit:
            above = index - 1
            while above >= 0 and lines[above].strip().startswith(('///', '@')):
                above -= 1
            reason = lines[above].strip()[len(REASON):].strip() if above >= 0 and \
                lines[above].strip().startswith(REASON) else None
            found.append((path, index + 1, match.group(1), length, reason))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--limit', type=int, default=80)
    parser.add_argument('root', nargs='?', default='Sources')
    arguments = parser.parse_args()
    found = []
    for folder, _, files in sorted(os.walk(arguments.root)):
        for name in sorted(files):
            if name.endswith('.swift'):
                found += long_functions(os.path.join(folder, name), arguments.limit)
    unexplained = 0
    for path, line, name, length, reason in found:
        print(f'{path}:{line}: {name} is {length} lines' + (f' ({reason})' if reason else ' (no reason given)'))
        unexplained += reason is None
    print(f'{len(found)} functions longer than {arguments.limit} lines, {unexplained} without a reason')
    return 1 if unexplained else 0


if __name__ == '__main__':
    sys.exit(main())
