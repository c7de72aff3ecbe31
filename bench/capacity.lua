-- bench/capacity.lua - how many verified tokens fit in the zone
--
--   wrk -t1 -c1 -d3600s -s bench/capacity.lua URL -- FILE N
--
-- FILE holds at least N distinct valid tokens, one a line; the location
-- caches verified tokens and answers with "X-Cache: $auth_token_cache".
-- Phase 1 presents tokens 1..N once each, oldest first: every one is a
-- MISS and is stored; once the zone is full each store evicts the least
-- recently used entry, i.e. the oldest token.  Phase 2 presents them again
-- from N down: a HIT only moves an entry within the LRU queue (nothing is
-- stored or evicted), so the cached set stays as phase 1 left it, and the
-- first MISS, at token j, means tokens j+1..N were cached: capacity N - j.
-- One connection keeps requests and responses strictly in order.
-- The script ends the run itself once it knows.
-- Prints "capacity=<n>" (or "capacity>=N"), "first_probe=<X-Cache of token
-- N>" and "bad=<non-200 answers>".

local toks, n = {}, 0
local sent, answered = 0, 0       -- requests formatted / responses seen
local bad, result, first = 0, nil, nil
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local file, want = args[1], tonumber(args[2])
   for line in io.lines(file) do
      if #line > 0 then
         n = n + 1
         toks[n] = line
         if n == want then break end
      end
   end
   assert(n == want, "capacity.lua: fewer than " .. want .. " tokens")
end

-- request k (1-based): phase 1 k = 1..n, phase 2 token 2n+1-k
local function token_of(k)
   if k <= n then return k end
   return 2 * n + 1 - k
end

function request()
   sent = sent + 1
   local t = toks[token_of(math.min(sent, 2 * n))]
   return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. t })
end

function response(status, headers, body)
   answered = answered + 1
   if status ~= 200 then bad = bad + 1 end

   if answered > n then
      local c = headers["X-Cache"] or ""
      if answered == n + 1 then first = c end
      if c ~= "HIT" then
         result = "capacity=" .. (n - token_of(answered))
      elseif answered == 2 * n then
         result = "capacity>=" .. n
      end
   end

   if result then
      wrk.thread:set("result", result)
      wrk.thread:set("first", first)
      wrk.thread:set("bad", bad)
      -- stop, and wake wrk's main thread (see finish() in wrk.lua)
      wrk.thread:stop()
      io.popen("(while kill -INT $PPID; do sleep 0.05; done) >/dev/null 2>&1 &")
         :close()
   end
end

function done(summary, latency, requests)
   local t = threads[1]
   io.write((t:get("result") or "capacity=unknown"), "\n",
            "first_probe=", (t:get("first") or ""), "\n",
            "bad=", tostring(t:get("bad") or "?"), "\n")
end
