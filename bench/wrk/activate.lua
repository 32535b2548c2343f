-- POST /machines: every request activates a new machine, with a fingerprint no request of the run used before (the
-- round's tag, the thread, a counter), on the seeded licenses whose policy allows many machines: each takes a seat,
-- one conditional write and two rows (the machine and its event) in one transaction.
--   wrk -s activate.lua https://…/api/v1/machines -- KEYS_FILE API_KEY TAG [THREADS]
-- Each thread steps through the keys from its own offset, so concurrent requests are mostly on different licenses.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local keys, headers, tag, position = {}, nil, "", 0
local counter = 0

function init(args)
  keys = read_keys(args[1])
  headers = json_headers(args[2])
  tag = args[3] or "run"
  local threads = tonumber(args[4] or "1")
  position = math.floor(index * #keys / threads)
end

function request()
  counter = counter + 1
  local key = keys[(position + counter) % #keys + 1]
  local fingerprint = string.format("bench-%s-%02x-%012x", tag, index, counter)
  local body = '{"key":"' .. key .. '","fingerprint":"' .. fingerprint .. '","platform":"linux"}'
  return wrk.format("POST", nil, headers, body)
end
