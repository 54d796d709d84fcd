package luabind

import (
	"errors"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
)

// sleep implements sleep("10s"): engine.Run.Sleep on the run's clock (in a
// dry run it only advances the plan's timeline). A cancelled context stops
// the script with an error that wraps the context's error.
func (b *binder) sleep(L *lua.LState) int {
	d, err := parseDuration(L.Get(1))
	if err != nil {
		b.report(L, "sleep: "+err.Error())
		return 0
	}
	if n := L.GetTop(); n > 1 {
		b.report(L, "sleep: expected one duration, as in sleep(\"10s\")")
		return 0
	}
	if err := b.run.Sleep(b.ctx, d); err != nil {
		var cb *engine.CallbackError
		if b.ctx.Err() != nil || errors.As(err, &cb) || errors.Is(err, engine.ErrAborted) {
			b.stop(L, "sleep", err)
		}
		b.report(L, "sleep: "+strings.TrimPrefix(err.Error(), "sleep: "))
	}
	return 0
}
