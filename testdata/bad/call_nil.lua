-- want: call_nil.lua:4: unknown verb "lod" (did you mean "load"?)
-- A typo in a verb's name is named, with the closest verb, rather than
-- "attempt to call a non-function object".
lod { rate = 10 }
