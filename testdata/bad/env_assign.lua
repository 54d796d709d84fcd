-- want: env_assign.lua:2: env is read-only: cannot set env.TARGET_URL
env.TARGET_URL = "http://127.0.0.1:1/mcp"
