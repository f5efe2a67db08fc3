-- wrk script: cycles through distinct pre-signed PATCH requests (written by benchmarks/sandbox_requests.py distinct).
-- Thread k of N takes lines k, k+N, k+2N...: no request is sent twice while the file lasts.
-- Environment: REQUESTS (the file), THREADS (wrk -t), API_KEY, PASSPHRASE.
local counter = 0

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
end

function init(args)
    local stride = tonumber(os.getenv("THREADS") or "2")
    local headers = {
        ["Content-Type"] = "application/json",
        ["X-SCX-API-KEY"] = os.getenv("API_KEY"),
        ["X-SCX-PASSPHRASE"] = os.getenv("PASSPHRASE"),
    }
    requests = {}
    local n = 0
    for line in io.lines(os.getenv("REQUESTS")) do
        if n % stride == id then
            local path, ts, signature, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.+)$")
            headers["X-SCX-TIMESTAMP"] = ts
            headers["X-SCX-SIGNED"] = signature
            requests[#requests + 1] = wrk.format("PATCH", path, headers, body)
        end
        n = n + 1
    end
    index = 0
end

function request()
    index = index + 1
    if index > #requests then index = 1 end
    return requests[index]
end
