#!/usr/bin/env python3
"""check-flags.py README BINARY - the README's flag table and `BINARY --help`
list the same flags, in the same order, with the same environment variables,
defaults and meanings. Prints every difference and exits 1 when there is one."""
import re
import subprocess
import sys


def plain(cell):
    """A README cell as --help spells it: no backticks, no escaped pipes."""
    return cell.replace("`", "").replace("\\|", "|").strip()


def readme_rows(path):
    rows, inside = [], False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                inside = line.strip() == "## Flags and environment"
                continue
            if not inside or not line.startswith("| `--"):
                continue
            cells = [plain(c) for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.append(tuple(cells))
    return rows


HEAD = re.compile(r"^  (--\S+(?: \S+)?) \((\S+); default (.+)\)$")


def help_rows(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    rows, cur = [], None
    for line in out.splitlines():
        m = HEAD.match(line)
        if m:
            cur = [m.group(1), m.group(2), m.group(3), ""]
            rows.append(cur)
        elif line.startswith("      ") and cur is not None:
            cur[3] = (cur[3] + " " + line.strip()).strip()
        else:
            cur = None
    names = re.findall(r"^  (--[a-z-]+)$", out, re.M)
    return [tuple(r) for r in rows], names


def main():
    readme, binary = sys.argv[1], sys.argv[2]
    rows = readme_rows(readme)
    # Rows without a variable are bare flags (--help, --print-config): --help
    # lists them on a line of their own.
    want = [r for r in rows if len(r) > 1 and r[1]]
    want_bare = [r[0] for r in rows if len(r) > 1 and not r[1] and not r[0].startswith("--help")]
    got, bare = help_rows(binary)
    problems = []
    for name in want_bare:
        if name not in bare:
            problems.append(f"README: {name} is not a bare flag of --help")
    if not want:
        problems.append("README: no flag table under '## Flags and environment'")
    if not got:
        problems.append("--help: no option lines")
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else None
        g = got[i] if i < len(got) else None
        if w != g:
            problems.append(f"row {i + 1}:\n  README: {w}\n  --help: {g}")
    if any(r[0].startswith("--help") for r in readme_rows(readme)) != ("--help" in bare):
        problems.append("--help: listed in one but not the other")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
