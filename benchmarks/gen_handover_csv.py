#!/usr/bin/env python3
"""A latest-mode corpus in which PERCENT% of the participants hand their email on (issue 20's benchmark).

Usage: gen_handover_csv.py N OUT.csv ROSTER.jsonl [PERCENT=2]
N participants, two rows each (a name and an email, then a later change). In every block of 100, PERCENT
participants give their address up (g@ -> g.new@) and PERCENT others take one of those addresses a month later,
so each taker waits for its giver. The roster (for `backfill sandbox --roster`) holds every participant at its
first address, as Zero Hash would before the backfill: a taker sent before its giver is refused.
"""
import json, sys

n, out, roster = int(sys.argv[1]), sys.argv[2], sys.argv[3]
percent = int(sys.argv[4]) if len(sys.argv) > 4 else 2
with open(out, "w") as f, open(roster, "w") as r:
    f.write("participant_code,platform_updated_at,first_name,last_name,email\n")
    for i in range(n):
        code = "H%05d" % i
        first = "p%d@example.com" % i
        f.write("%s,2021-01-01T00:00:00Z,Name%d,Last,%s\n" % (code, i, first))
        block, k = divmod(i, 100)
        if k < percent:                                   # a giver
            f.write("%s,2021-03-01T00:00:00Z,,,p%d.new@example.com\n" % (code, i))
        elif percent <= k < 2 * percent and i - percent >= 0:  # a taker of the giver `percent` before it
            f.write("%s,2021-04-01T00:00:00Z,,,p%d@example.com\n" % (code, i - percent))
        else:
            f.write("%s,2021-02-01T00:00:00Z,Renamed%d,,\n" % (code, i))
        r.write(json.dumps({"participant_code": code, "customer": True, "email": first}) + "\n")
