-- wrk script: the harness's stripe-webhooks.lua, sent at a fixed rate.
-- wrk2 is not packaged for Debian, so the rate comes from wrk's delay()
-- hook: each thread hands out send slots at fixed intervals (rate/threads
-- per second) on a monotonic clock, and a connection that becomes free
-- waits for the next unassigned slot.  Sends are therefore open-loop (on
-- schedule, not "as soon as the previous reply came back") as long as a
-- free connection exists when a slot comes due.  When none does, the send
-- goes out late; wrk times a request from the moment it is written, so
-- that lateness is NOT in wrk's latency figures (coordinated omission).
-- It is counted instead and printed as PACEJSON {...}: if late sends are
-- rare and short, the percentiles are the true service latencies.
--
-- env: OH_HARNESS_LUA  path of the harness's stripe-webhooks.lua
--      OH_PACE_RATE    total requests per second (all threads)
--      OH_PACE_THREADS number of wrk threads (default 1)
-- wrk arguments after "--" are the harness script's (REQ_FILE ...).

dofile(assert(os.getenv("OH_HARNESS_LUA"), "set OH_HARNESS_LUA"))

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } oh_pace_timespec;
int clock_gettime(int clk_id, oh_pace_timespec *tp);
]]

local CLOCK_MONOTONIC = 1
local ts = ffi.new("oh_pace_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
   return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local rate = tonumber(os.getenv("OH_PACE_RATE") or "")
assert(rate and rate > 0, "set OH_PACE_RATE to the target requests/s")
local nthreads = tonumber(os.getenv("OH_PACE_THREADS") or "1") or 1
local interval_us = 1000000 * nthreads / rate
local next_slot = nil

-- globals, read back per thread in done()
pace_slots = 0
pace_late_1ms = 0
pace_late_10ms = 0
pace_late_max_us = 0
pace_late_sum_us = 0

function delay()
   local now = now_us()
   if next_slot == nil then next_slot = now end
   local slot = next_slot
   next_slot = next_slot + interval_us
   pace_slots = pace_slots + 1
   if slot >= now then
      return math.floor((slot - now) / 1000 + 0.5)
   end
   local late = now - slot
   pace_late_sum_us = pace_late_sum_us + late
   if late > 1000 then pace_late_1ms = pace_late_1ms + 1 end
   if late > 10000 then pace_late_10ms = pace_late_10ms + 1 end
   if late > pace_late_max_us then pace_late_max_us = late end
   return 0
end

local pace_threads = {}
local harness_setup = setup
local harness_done = done

function setup(thread)
   harness_setup(thread)
   table.insert(pace_threads, thread)
end

function done(summary, latency, requests)
   harness_done(summary, latency, requests)
   local slots, l1, l10, lmax, lsum = 0, 0, 0, 0, 0
   for _, t in ipairs(pace_threads) do
      slots = slots + t:get("pace_slots")
      l1 = l1 + t:get("pace_late_1ms")
      l10 = l10 + t:get("pace_late_10ms")
      lsum = lsum + t:get("pace_late_sum_us")
      local m = t:get("pace_late_max_us")
      if m > lmax then lmax = m end
   end
   io.write(string.format(
      'PACEJSON {"target_rps":%.1f,"achieved_rps":%.1f,"slots":%d,' ..
      '"late_over_1ms":%d,"late_over_10ms":%d,"late_max_ms":%.3f,' ..
      '"late_sum_ms":%.1f}\n',
      rate, summary.requests / (summary.duration / 1000000), slots,
      l1, l10, lmax / 1000, lsum / 1000))
end
