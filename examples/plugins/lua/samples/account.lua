local Account = {}
--    ^ definition.class
Account.__index = Account

function Account.new(owner, balance)
--               ^ definition.function
  local self = setmetatable({}, Account)
--             ^ reference.call
  self.owner = owner
  self.balance = balance or 0
  return self
end

function Account:deposit(amount)
--               ^ definition.method
  self.balance = self.balance + amount
  log_change(self, amount)
--^ reference.call
end

local function log_change(account, amount)
--             ^ definition.function
  print(string.format("%s: %d", account.owner, amount))
--^ reference.call
--             ^ reference.call
end

local handlers = {
--    ^ definition.class
  on_open = function(account) return account end,
--^ definition.method
}

format_amount = function(amount) return tostring(amount) end
-- <- definition.function
--                                      ^ reference.call

return Account
