-- bench/wrk.lua - wrk script for bench/run.sh
--
--   wrk ... -s bench/wrk.lua URL -- [tokens=FILE] [count=N]
--
-- tokens=FILE  one token a line; every request carries the next one
--              (Authorization: Bearer), round robin.  The requests are
--              formatted once in init(), so request() only picks one.
-- dpop=FILE    DPoP: every request carries the next proof of FILE (one a
--              line, bench/dpop-proofs.mjs) in a DPoP header, and the
--              token of token=FILE as "Authorization: DPoP".  A proof is
--              good for one request only: state=FILE says where the
--              previous run stopped (a byte offset; missing: the start),
--              and done() writes where this one did.  -t1 only.
-- proof=FILE   the first proof of FILE in every request (with token=, as
--              dpop= sends them): the same bytes as a DPoP request, for a
--              location that does not check them.  Formatted once.
-- count=N      stop after N responses: wrk has no request-count option.
--              Exact with -c1; with more connections the requests still in
--              flight are dropped (wrk prints how many completed).  Use -t1
--              and a long -d: see finish() for how the run ends.
-- Without arguments the script changes nothing (static requests, no
-- response parsing), so wrk runs as fast as without a script.

local reqs, nreqs, idx = nil, 0, 0
local count, seen = 0, 0
local proofs, dpop_auth, fixed_proof = nil, nil, nil
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

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
      elseif k == "dpop" then
         proofs = assert(io.open(v, "r"))
      elseif k == "proof" then
         local f = assert(io.open(v, "r"))
         fixed_proof = f:read("*l")
         f:close()
      elseif k == "token" then
         local f = assert(io.open(v, "r"))
         dpop_auth = "DPoP " .. f:read("*l")
         f:close()
      elseif k == "state" then
         dpop_state = v       -- a global: done() reads it from the thread
      elseif k == "count" then
         count = tonumber(v)
      else
         error("bench/wrk.lua: unknown argument " .. a)
      end
   end

   if fixed_proof then
      assert(dpop_auth, "bench/wrk.lua: proof= needs token=")
      nreqs = 1
      reqs = { wrk.format(nil, nil, { ["Authorization"] = dpop_auth,
                                      ["DPoP"] = fixed_proof }) }
   end

   -- wrk looks at which functions exist after init()
   if proofs then
      assert(dpop_auth, "bench/wrk.lua: dpop= needs token=")
      local f = dpop_state and io.open(dpop_state, "r")
      if f then
         proofs:seek("set", tonumber(f:read("*l")) or 0)
         f:close()
      end
      dpop_pos = proofs:seek()
      request = dpop_request
   elseif not reqs then
      request = nil
   end
   if count == 0 then response = nil end
end

function request()
   idx = idx % nreqs + 1
   return reqs[idx]
end

-- out of proofs: a request without one, which the module refuses, so the
-- run shows non-2xx answers rather than a wrong rate
function dpop_request()
   local proof = proofs:read("*l")
   dpop_pos = proofs:seek()
   return wrk.format(nil, nil, { ["Authorization"] = dpop_auth,
                                 ["DPoP"] = proof or "" })
end

-- in the main Lua state (not a thread's: init() never ran here)
function done(summary, latency, requests)
   local t = threads[1]
   local file = t and t:get("dpop_state")
   if file then
      local pos = t:get("dpop_pos")
      if pos then
         local f = assert(io.open(file, "w"))
         f:write(tostring(pos), "\n")
         f:close()
      end
   end
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
