-- POST /licenses: a new subscription license of the benchmark product per request, each with its own email.
--   wrk -s create.lua https://…/api/v1/licenses -- ADMIN_API_KEY PRODUCT_ID
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local headers, product
local counter = 0

function init(args)
  headers = json_headers(args[1])
  product = args[2]
end

function request()
  counter = counter + 1
  local body = '{"product_id":"' .. product .. '","email":"bench-' .. index .. '-' .. counter ..
    '@example.com","type":"subscription"}'
  return wrk.format("POST", nil, headers, body)
end
