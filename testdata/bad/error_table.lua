-- want: error_table.lua:4: error({ code = 42, reason = "no" }) (error was given a table, not a message)
-- not: table: 0x
-- error() given a table says where and what, not "table: 0x...".
error({ code = 42, reason = "no" })
