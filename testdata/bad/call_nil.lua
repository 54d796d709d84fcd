-- want: call_nil.lua:4: attempt to call a non-function object
-- A typo in a verb's name is a call of nil: a runtime error that ends the
-- script, in check mode too.
lod { rate = 10 }
