#!/usr/bin/env python3
"""Pre-signs PATCH requests for benchmarks/sandbox_wrk.sh.

  sandbox_requests.py single   OUT.lua  SECRET KEY PASSPHRASE           one signed request, for wrk -s
  sandbox_requests.py distinct OUT.tsv  SECRET KEY PASSPHRASE COUNT     COUNT distinct signed requests, one per line:
                                                                         path <TAB> timestamp <TAB> signature <TAB> body

Signature = Base64(HMAC-SHA256(Base64-decoded secret, timestamp + method + path + body)), timestamp = now in seconds
(the sandbox accepts 60 s either side, so generate right before the run).
"""
import base64, hashlib, hmac, sys, time

def sign(secret, ts, path, body):
    message = (ts + "PATCH" + path).encode() + body.encode()
    return base64.b64encode(hmac.new(base64.b64decode(secret), message, hashlib.sha256).digest()).decode()

def code(n):
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(6):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out

def body(n, ms):
    return ('{"request_id":"bench-%d","first_name":"Ana","last_name":"Lima %d",'
            '"address_one":"%d Main St","address_two":"","country":"United States","state":"NY",'
            '"city":"New York","zip":"10001","platform_updated_at":%d}') % (n, n, n + 1, ms)

def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

def main():
    mode, out, secret, key, passphrase = sys.argv[1:6]
    ts = str(int(time.time()))
    ms = int(time.time() * 1000)
    if mode == "single":
        path, b = "/participants/customers/BENCH1", body(0, ms)
        with open(out, "w") as f:
            f.write('wrk.method = "PATCH"\n')
            f.write("wrk.path = %s\n" % lua_string(path))
            f.write("wrk.body = %s\n" % lua_string(b))
            f.write('wrk.headers["Content-Type"] = "application/json"\n')
            for name, value in [("X-SCX-API-KEY", key), ("X-SCX-SIGNED", sign(secret, ts, path, b)),
                                ("X-SCX-TIMESTAMP", ts), ("X-SCX-PASSPHRASE", passphrase)]:
                f.write("wrk.headers[%s] = %s\n" % (lua_string(name), lua_string(value)))
    else:
        count = int(sys.argv[6])
        with open(out, "w") as f:
            for n in range(count):
                path, b = "/participants/customers/" + code(n), body(n, ms)
                f.write("%s\t%s\t%s\t%s\n" % (path, ts, sign(secret, ts, path, b), b))

if __name__ == "__main__":
    main()
