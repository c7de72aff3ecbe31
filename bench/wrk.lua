-- bench/wrk.lua - wrk script for bench/run.sh
--
--   wrk ... -s bench/wrk.lua URL -- [tokens=FILE] [count=N]
--
-- tokens=FILE  one token a line; every request carries the next one
--              (Authorization: Bearer), round robin.  The requests are
--              formatted once in init(), so request() only picks one.
-- count=N      stop after N responses: wrk has no request-count option.
--              Exact with -c1; with more connections the requests still in
--              flight are dropped (wrk prints how many completed).  Use -t1
--              and a long -d: see finish() for how the run ends.
-- Without arguments the script changes nothing (static requests, no
-- response parsing), so wrk runs as fast as without a script.

local reqs, nreqs, idx = nil, 0, 0
local count, seen = 0, 0

function init(args)
   for _, a in ipairs(args) do
      local k, v = a:match("^(%w+)=(.*)$")
      if k == "tokens" then
         reqs = {}
         for line in io.lines(v) do
            if #line > 0 then
               nreqs = nreqs + 1
               reqs[nreqs] = wrk.format(nil, nil,
                  { ["Authorization"] = "Bearer " .. line })
            end
         end
         assert(nreqs > 0, "no tokens in " .. v)
      elseif k == "count" then
         count = tonumber(v)
      else
         error("bench/wrk.lua: unknown argument " .. a)
      end
   end

   -- wrk looks at which functions exist after init()
   if not reqs then request = nil end
   if count == 0 then response = nil end
end

function request()
   idx = idx % nreqs + 1
   return reqs[idx]
end

-- wrk's main thread sleeps for the whole -d even when the (only) thread
-- has stopped, so it is woken as on ^C, by SIGINT, and prints its summary
-- at once.  Not through os.execute: system() ignores SIGINT in the whole
-- process while it runs.  And again every 50 ms until wrk is gone, since a
-- signal sent before wrk installs its handler is lost.  In the shell that
-- io.popen starts, $PPID is wrk.
function finish()
   wrk.thread:stop()
   io.popen("(while kill -INT $PPID; do sleep 0.05; done) >/dev/null 2>&1 &")
      :close()
end

function response(status, headers, body)
   seen = seen + 1
   if seen == count then
      finish()
   end
end
