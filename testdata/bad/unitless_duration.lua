-- want: sleep: expected a duration such as "30s" or "250ms", got number 10; add a unit, as in "10s"
sleep(10)
