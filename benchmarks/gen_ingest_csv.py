#!/usr/bin/env python3
"""Generates the ingest benchmark input: N rows of participant history, about 3 rows per participant,
interleaved in time order the way a platform's change log exports them. Deterministic (seeded)."""
import random
import sys

def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = sys.argv[2] if len(sys.argv) > 2 else "ingest-1m.csv"
    rnd = random.Random(42)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    participants = (rows + 2) // 3
    codes = set()
    while len(codes) < participants:
        codes.add("".join(rnd.choice(alphabet) for _ in range(6)))
    codes = sorted(codes)
    rnd.shuffle(codes)
    first = ["Alice", "Bruno", "Chen", "Dana", "Elif", "Femi", "Gaurav", "Hana", "Ivan", "José"]
    last = ["Nguyen", "Silva", "Wang", "O'Brien", "Yilmaz", "Adeyemi", "Mehta", "Kim", "Petrov", "García"]
    streets = ["Main St", "Congress Ave", "Flatbush Ave", "Lake Shore Dr", "Elm Rd", "Beacon St", "Market St"]
    cities = [("Austin", "TX", "787"), ("Brooklyn", "NY", "112"), ("Chicago", "IL", "606"), ("Boston", "MA", "021"),
              ("Denver", "CO", "802"), ("Seattle", "WA", "981")]
    ids = ["us_passport", "ssn", "us_drivers_license", "non_us_passport"]
    base = 1_577_836_800_000  # 2020-01-01
    events = []
    for n, code in enumerate(codes):
        t0 = base + rnd.randrange(0, 90 * 86_400_000)
        f, l = rnd.choice(first), rnd.choice(last)
        city, state, zip3 = rnd.choice(cities)
        events.append((t0, n, 0, code, f, l, city, state, zip3))
        events.append((t0 + rnd.randrange(1, 400) * 86_400_000, n, 1, code, f, l, city, state, zip3))
        events.append((t0 + rnd.randrange(400, 800) * 86_400_000, n, 2, code, f, l, city, state, zip3))
    events.sort()
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write("participant_code,platform_updated_at,first_name,last_name,address_one,address_two,city,state,zip,country,email,id_number_type,id_number\n")
        written = 0
        for t, n, kind, code, f, l, city, state, zip3 in events:
            if written >= rows:
                break
            if kind == 0:
                fh.write(f'{code},{t},{f},"{l}",{rnd.randrange(1, 9999)} {rnd.choice(streets)},Apt {rnd.randrange(1, 40)},{city},{state},{zip3}{rnd.randrange(10, 99)},US,{f.lower()}.{code.lower()}@example.com,{rnd.choice(ids)},{rnd.randrange(10**8, 10**9)}\n')
            elif kind == 1:
                c2, s2, z2 = rnd.choice(cities)
                fh.write(f'{code},{t},,,"{rnd.randrange(1, 9999)} {rnd.choice(streets)}",,{c2},{s2},{z2}{rnd.randrange(10, 99)},USA,,,\n')
            else:
                fh.write(f'{code},{t},,,,,,,,,{l.lower().replace(chr(39), "")}.{code.lower()}@example.net,,\n')
            written += 1

main()
