-- want: wrong_argument.lua:3: load: expected a table { target = ..., rate = 300, duration = "30s", mix = { ... } }, got string "blue"
-- want: wrong_argument.lua:4: target: expected a table { name = "blue", url = "http://127.0.0.1:3001/mcp" }, got nil
load("blue")
target()
