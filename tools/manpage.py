#!/usr/bin/env python3
"""manpage.py BINARY OUTPUT [DATADIR] - writes the man page isc-reports-mock(1) from
BINARY --help and --version, so the page lists exactly the flags, variables
and defaults the binary has. What --help does not say (environment, files,
exit status) is written here once. DATADIR (default /usr/share) is where
the installed files are."""
import re
import subprocess
import sys

DESCRIPTION = """\
A local, stateful mock of the SailPoint Identity Security Cloud Reports Data
Extraction API (v2024, v3, v2025, v2026 and /reports/v1) and the OAuth token
endpoint in front of it, for integration tests of clients, CI fixtures and
demos without a tenant. Tasks run for real and finish with a result; report
files (CSV, PDF, zip) are made from a built-in or generated tenant.
A control API under /mock/ lets tests steer the clock, report outcomes and
faults, and read the request journal (also as HAR and NDJSON).

The first line on standard output is "listening on http://HOST:PORT".
SIGINT or SIGTERM stops the server after the requests in flight (up to 10 s);
a second signal stops it at once."""

FILES = [
    ("DATADIR/isc-reports-mock/fixtures/*.sql",
     "Copies of the built-in tenant and demo clients (the binary carries its own): "
     "a starting point for a folder given to --fixtures."),
    ("DATADIR/isc-reports-mock/examples/mock-config.json",
     "An example config file for --config."),
    ("DATADIR/doc/isc-reports-mock/README.md",
     "The full documentation: every route, the control API, the decisions where "
     "the contract is silent."),
]

EXIT = [
    ("0", "A clean stop after a signal; --help, --version and --print-config."),
    ("1", "Anything else (out of memory, for example)."),
    ("2", "A bad flag, environment variable or config file, or a database, address, "
          "fixtures folder or port the server cannot use; one line on standard error "
          "says which."),
]


def roff(text):
    """Text as roff: backslashes escaped, no line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + l if l.startswith((".", "'")) else l) for l in text.split("\n"))


HEAD = re.compile(r"^  (--\S+)(?: (\S+))? \((\S+?)(=1)?; default (.+)\)$")
BARE = re.compile(r"^  (--[a-z-]+)$")


def parse_help(text):
    """[(flag, arg, env, default, help)] and [(flag, help)] from --help."""
    rows, bare, cur = [], [], None
    for line in text.splitlines():
        m, b = HEAD.match(line), BARE.match(line)
        if m:
            cur = [m.group(1), m.group(2), m.group(3) + (m.group(4) or ""), m.group(5), ""]
            rows.append(cur)
        elif b:
            cur = [b.group(1), ""]
            bare.append(cur)
        elif line.startswith("      ") and cur is not None:
            cur[-1] = (cur[-1] + " " + line.strip()).strip()
        else:
            cur = None
    return rows, bare


def main():
    binary, out = sys.argv[1], sys.argv[2]
    datadir = sys.argv[3] if len(sys.argv) > 3 else "/usr/share"
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True,
                               check=True).stdout
    version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                             check=True).stdout.split()[-1]
    rows, bare = parse_help(help_text)
    if not rows:
        sys.exit("manpage.py: no options found in --help")
    demo = help_text[help_text.index("Demo clients"):] if "Demo clients" in help_text else ""
    page = [
        '.TH ISC\\-REPORTS\\-MOCK 1 "" "isc-reports-mock %s" "User Commands"' % version,
        ".SH NAME",
        "isc\\-reports\\-mock \\- a local mock of the SailPoint ISC Reports Data Extraction API",
        ".SH SYNOPSIS",
        ".B isc\\-reports\\-mock",
        "[\\fIoptions\\fR]",
        ".SH DESCRIPTION",
    ]
    for para in DESCRIPTION.split("\n\n"):
        page += [".PP", roff(para)]
    page.append(".SH OPTIONS")
    page.append(".PP\nEvery option can also be set by its environment variable or in a config "
                "file (\\-\\-config); a flag wins over its variable, and both over the file.")
    for flag, arg, env, default, text in rows:
        page.append(".TP")
        page.append("\\fB%s\\fR%s" % (roff(flag), " \\fI%s\\fR" % roff(arg) if arg else ""))
        page.append(roff("%s (default: %s; variable %s)" % (text, default, env)))
    for flag, text in bare:
        page += [".TP", "\\fB%s\\fR" % roff(flag), roff(text)]
    page.append(".SH ENVIRONMENT")
    for flag, arg, env, default, text in rows:
        page += [".TP", "\\fB%s\\fR" % roff(env.split("=")[0]), roff("As %s." % flag)]
    if demo:
        page += [".SH DEMO CLIENTS", ".nf", roff(demo.strip()), ".fi"]
    page.append(".SH FILES")
    for name, text in FILES:
        page += [".TP", "\\fI%s\\fR" % roff(name.replace("DATADIR", datadir)), roff(text)]
    page.append(".SH EXIT STATUS")
    for code, text in EXIT:
        page += [".TP", "\\fB%s\\fR" % code, roff(text)]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
