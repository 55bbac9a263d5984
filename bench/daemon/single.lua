-- One event per request, each for a random existing customer of the generated shop and with
-- its own id, so every request is a real insert (not a deduplicated retry).
local counter = 0
local customers = tonumber(os.getenv("CUSTOMERS") or "1000000")
local token = os.getenv("SEGFLOW_API_TOKEN")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local thread_tag = tostring(math.random(1, 1e9))

request = function()
  counter = counter + 1
  local body = string.format(
    '{"id":"w-%s-%d","type":"page_viewed","customer_id":"C%07d","properties":{"path":"/p/%d"}}',
    thread_tag, counter, math.random(1, customers), counter % 500)
  return wrk.format("POST", "/v1/events",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end
