-- wrk script: counts the answers by status, splits the 5xx into the router's
-- own error pages (their body starts with the page prefix given as the first
-- script argument) and any other (the app's), and counts the 2xx by the
-- deployment named in x-slipway-deployment. done() prints one line
-- "count <key> <n>" per key, summed over wrk's threads.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  page_prefix = args[1] or ""
  counts = {}
end

local function add(key)
  counts[key] = (counts[key] or 0) + 1
end

function response(status, headers, body)
  if status >= 500 then
    if page_prefix ~= "" and body ~= nil and body:sub(1, #page_prefix) == page_prefix then
      add("router-5xx")
    else
      add("app-5xx")
    end
  else
    add("status-" .. status)
  end
  if status < 300 then
    add("deployment-" .. (headers["x-slipway-deployment"] or "none"))
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do
      total[k] = (total[k] or 0) + v
    end
  end
  for k, v in pairs(total) do
    io.write(string.format("count %s %d\n", k, v))
  end
end
