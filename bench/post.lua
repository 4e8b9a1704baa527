-- wrk script for bench/run.sh: POSTs one Chat Completions request, the body
-- pawl itself sends for the first benchmark case (compact JSON, read from the
-- file named by PAWL_BENCH_BODY), so wrk and pawl ask the mock the same thing.
-- No response() hook: defining one makes wrk hand every reply to Lua, which
-- would lower the very ceiling this measures. run.sh reads wrk's own
-- "Non-2xx or 3xx responses" line instead.
local path = os.getenv("PAWL_BENCH_BODY")
if not path then
    error("PAWL_BENCH_BODY must name the request body file")
end
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
