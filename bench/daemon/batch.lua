-- BATCH events per request (default 100), each for a random existing customer, each unique.
local counter = 0
local customers = tonumber(os.getenv("CUSTOMERS") or "1000000")
local size = tonumber(os.getenv("BATCH") or "100")
local token = os.getenv("SEGFLOW_API_TOKEN")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local thread_tag = tostring(math.random(1, 1e9))

request = function()
  local parts = {}
  for i = 1, size do
    counter = counter + 1
    parts[i] = string.format(
      '{"id":"b-%s-%d","type":"page_viewed","customer_id":"C%07d","properties":{"path":"/p/%d"}}',
      thread_tag, counter, math.random(1, customers), counter % 500)
  end
  return wrk.format("POST", "/v1/events",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
    "[" .. table.concat(parts, ",") .. "]")
end
