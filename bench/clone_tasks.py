#!/usr/bin/env python3
"""clone_tasks.py - fills a stopped server's database with N copies of one task.

    clone_tasks.py DB TASK_ID N

Bench-only: it makes "a server with 1,000,000 stored tasks" in seconds, where
creating them through the API would take hours. Each copy is the row of
TASK_ID in `tasks` with a new id (32 hex digits, counting up from
f000...0001) and a new sequence number; every other column, and so the
task's state, is the original's. Clone a finished task: copies of a running
or due one would be run or rendered by the server when it starts. The
column list is read from the table, so the script follows schema changes
that only add columns. One transaction; the server must be stopped.
"""
import sqlite3
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    db, task_id, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    con = sqlite3.connect(db, isolation_level=None)
    cols = con.execute("PRAGMA table_info(tasks)").fetchall()  # cid, name, type, notnull, dflt, pk
    if not cols:
        sys.exit("clone_tasks: no tasks table in %s" % db)
    # An INTEGER PRIMARY KEY is the rowid: left out, SQLite numbers the copies.
    names = [c[1] for c in cols if not (c[5] and c[2].upper() == "INTEGER")]
    if "id" not in names:
        sys.exit("clone_tasks: tasks has no id column")
    if not con.execute("SELECT 1 FROM tasks WHERE id = ?", (task_id,)).fetchone():
        sys.exit("clone_tasks: no task %s" % task_id)
    quoted = ", ".join('"%s"' % c for c in names)
    values = ", ".join("printf('f%031x', n.i)" if c == "id" else 't."%s"' % c for c in names)
    con.execute("BEGIN")
    con.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO tasks (%s) SELECT %s FROM n, (SELECT * FROM tasks WHERE id = ?) AS t"
        % (quoted, values),
        (n, task_id),
    )
    con.execute("COMMIT")
    total = con.execute("SELECT count(*) FROM tasks").fetchone()[0]
    print("tasks stored: %d" % total)
    con.close()


if __name__ == "__main__":
    main()
