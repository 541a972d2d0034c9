-- wrk script for bench/bench_progress.py: each request is one learner's heartbeat batch.
-- Arguments (after --): lesson id, file of tokens (one a line), base epoch seconds, thread count,
-- event id prefix. Thread t plays for tokens t+1, t+1+threads, ... so no two threads share a
-- learner and each learner's heartbeats are consecutive 15 s stretches with fresh event ids.
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  lesson_id = args[1]
  base = tonumber(args[3])
  local thread_count = tonumber(args[4])
  prefix = args[5]
  local tokens = {}
  for line in io.lines(args[2]) do
    if #line > 0 then table.insert(tokens, line) end
  end
  mine = {}
  for index = thread_id + 1, #tokens, thread_count do table.insert(mine, tokens[index]) end
  counter = 0
end

function request()
  local learner = counter % #mine
  local number = math.floor(counter / #mine)
  counter = counter + 1
  local position = (number * 15) % 7200
  local at = os.date("!%Y-%m-%dT%H:%M:%S+00:00", base + 15 * (number + 1))
  local body = string.format(
    '{"events":[{"id":"%s-%d-%08d","lesson_id":%s,"start":%d,"end":%d,"at":"%s"}]}',
    prefix, thread_id, counter, lesson_id, position, position + 15, at)
  return wrk.format("POST", "/api/v1/progress",
    {["Authorization"] = "Bearer " .. mine[learner + 1], ["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('BENCH {"requests": %d, "seconds": %f, "errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration / 1e6,
    errors.status + errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
