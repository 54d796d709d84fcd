package luabind

import (
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// A snapshot is a frozen copy of what a load's hooks capture from their
// scenario: the hook functions (as compiled prototypes), their upvalues,
// and everything reachable from those — tables (with nesting, sharing,
// cycles and metatables), nested Lua functions with their own upvalues,
// requests. It is made once, in the script's goroutine, when load { ... }
// runs, and holds no Lua state: only Go values that nobody changes
// afterwards, so any number of workers may thaw it at once, each into its
// own Lua state (thaw).
//
// Values of the sandbox's library (string, string.format, mcp.call, env,
// print, ...) are not copied but recorded by name, and thawed as the
// worker state's own values of that name.
type snapshot struct {
	tables   []frozenTable
	funcs    []frozenFunc
	cells    []frozenValue // upvalue cells, shared by the functions that share an upvalue
	requests []*request
}

// frozenKind says what a frozenValue holds.
type frozenKind uint8

const (
	frozenScalar  frozenKind = iota // v: nil, a boolean, a number or a string
	frozenTableV                    // i: index into snapshot.tables
	frozenFuncV                     // i: index into snapshot.funcs
	frozenRequest                   // i: index into snapshot.requests
	frozenLibrary                   // v: the library value's name, an LString
)

type frozenValue struct {
	kind frozenKind
	i    int
	v    lua.LValue // immutable values only (numbers, strings, booleans, nil)
}

type frozenTable struct {
	keys, vals []frozenValue
	meta       frozenValue // frozenScalar nil: no metatable
	arr, hash  int         // sizes, to preallocate
}

type frozenFunc struct {
	proto *lua.FunctionProto // shared, never changed by the VM
	cells []int              // index into snapshot.cells, per upvalue
}

// freezer copies Lua values into a snapshot. It runs in the goroutine of
// the state the values belong to.
type freezer struct {
	snap    *snapshot
	library map[lua.LValue]string
	tables  map[*lua.LTable]int
	funcs   map[*lua.LFunction]int
	cells   map[*lua.Upvalue]int
	reqs    map[*request]int
	path    []pathStep // where the freezer is, for messages
	err     string     // the first problem: `"lb" (a target); ...`
}

// pathStep is one step from a hook to a captured value: an upvalue
// (name), a table key (key), or a metatable.
type pathStep struct {
	name string
	key  lua.LValue
	meta bool
}

func newFreezer(library map[lua.LValue]string) *freezer {
	return &freezer{
		snap:    &snapshot{},
		library: library,
		tables:  map[*lua.LTable]int{},
		funcs:   map[*lua.LFunction]int{},
		cells:   map[*lua.Upvalue]int{},
		reqs:    map[*request]int{},
	}
}

// hook freezes a hook function and returns its index in the snapshot, or
// the problem with what it captures, e.g.
// `captures "lb" (a target); a hook may capture data and functions, not
// targets or loads`.
func (z *freezer) hook(fn *lua.LFunction) (int, string) {
	z.err, z.path = "", z.path[:0]
	i := z.function(fn)
	return i, z.err
}

func (z *freezer) function(fn *lua.LFunction) int {
	if i, ok := z.funcs[fn]; ok {
		return i
	}
	i := len(z.snap.funcs)
	z.funcs[fn] = i
	z.snap.funcs = append(z.snap.funcs, frozenFunc{proto: fn.Proto})
	cells := make([]int, len(fn.Upvalues))
	for k, uv := range fn.Upvalues {
		z.path = append(z.path, pathStep{name: upvalueName(fn.Proto, k)})
		cells[k] = z.cell(uv)
		z.path = z.path[:len(z.path)-1]
		if z.err != "" {
			break
		}
	}
	z.snap.funcs[i].cells = cells
	return i
}

// upvalueName is the name of a function's k-th upvalue in its source.
func upvalueName(p *lua.FunctionProto, k int) string {
	if k < len(p.DbgUpvalues) && p.DbgUpvalues[k] != "" {
		return p.DbgUpvalues[k]
	}
	return "upvalue " + strconv.Itoa(k+1)
}

func (z *freezer) cell(uv *lua.Upvalue) int {
	if c, ok := z.cells[uv]; ok {
		return c
	}
	c := len(z.snap.cells)
	z.cells[uv] = c
	z.snap.cells = append(z.snap.cells, frozenValue{v: lua.LNil})
	if uv != nil {
		v := z.value(uv.Value())
		z.snap.cells[c] = v
	}
	return c
}

func (z *freezer) value(v lua.LValue) frozenValue {
	switch v := v.(type) {
	case *lua.LNilType, lua.LBool, lua.LNumber, lua.LString:
		return frozenValue{v: v}
	}
	if name, ok := z.library[v]; ok {
		return frozenValue{kind: frozenLibrary, v: lua.LString(name)}
	}
	switch v := v.(type) {
	case *lua.LTable:
		return frozenValue{kind: frozenTableV, i: z.table(v)}
	case *lua.LFunction:
		if v.IsG {
			z.fail("a Go function", "a hook may capture data, Lua functions, the request builders and the standard library, not other Go functions")
			return frozenValue{v: lua.LNil}
		}
		return frozenValue{kind: frozenFuncV, i: z.function(v)}
	case *lua.LUserData:
		if r, ok := v.Value.(*request); ok {
			i, ok := z.reqs[r]
			if !ok {
				i = len(z.snap.requests)
				z.reqs[r] = i
				z.snap.requests = append(z.snap.requests, r) // never changed once made
			}
			return frozenValue{kind: frozenRequest, i: i}
		}
	}
	z.fail(describe(v), "a hook may capture data and functions, not targets or loads")
	return frozenValue{v: lua.LNil}
}

func (z *freezer) table(t *lua.LTable) int {
	if i, ok := z.tables[t]; ok {
		return i
	}
	i := len(z.snap.tables)
	z.tables[t] = i
	z.snap.tables = append(z.snap.tables, frozenTable{})
	var ft frozenTable
	ft.meta = frozenValue{v: lua.LNil}
	for _, p := range sortedPairs(t) {
		z.path = append(z.path, pathStep{key: p.k})
		k := z.value(p.k)
		val := z.value(p.v)
		z.path = z.path[:len(z.path)-1]
		if z.err != "" {
			return i
		}
		ft.keys = append(ft.keys, k)
		ft.vals = append(ft.vals, val)
		if n, ok := p.k.(lua.LNumber); ok && int(n) == ft.arr+1 && float64(n) == float64(int(n)) {
			ft.arr++
		} else {
			ft.hash++
		}
	}
	if t.Metatable != lua.LNil {
		z.path = append(z.path, pathStep{meta: true})
		ft.meta = z.value(t.Metatable)
		z.path = z.path[:len(z.path)-1]
	}
	z.snap.tables[i] = ft
	return i
}

// fail records the first problem: what was found where, and the rule.
func (z *freezer) fail(what, rule string) {
	if z.err == "" {
		z.err = fmt.Sprintf("captures %s (%s); %s", z.where(), what, rule)
	}
}

// where renders the path as `"lb"`, `"cfg.target"`, `"list[2]"` or
// `"helper", which captures "lb"`.
func (z *freezer) where() string {
	var b strings.Builder
	for i, st := range z.path {
		switch {
		case st.meta:
			b.WriteString("<metatable>")
		case st.key != nil:
			if s, ok := st.key.(lua.LString); ok && identifier.MatchString(string(s)) {
				b.WriteString("." + string(s))
			} else if ok {
				b.WriteString("[" + strconv.Quote(string(s)) + "]")
			} else if n, ok := st.key.(lua.LNumber); ok {
				b.WriteString("[" + n.String() + "]")
			} else {
				b.WriteString("[" + describe(st.key) + "]")
			}
		case i == 0:
			b.WriteString(`"` + st.name)
		default:
			b.WriteString(`", which captures "` + st.name)
		}
	}
	b.WriteString(`"`)
	return b.String()
}

// thawed is a snapshot made into values of one Lua state.
type thawed struct {
	funcs []*lua.LFunction // by snapshot index
}

// thaw makes the snapshot's values in L: new tables, closures of the same
// prototypes with fresh upvalue cells (shared where the originals were),
// request userdata of type reqType, and library values looked up by name.
func (s *snapshot) thaw(L *lua.LState, library func(name string) lua.LValue, reqType *lua.LTable) thawed {
	tables := make([]*lua.LTable, len(s.tables))
	for i, ft := range s.tables {
		tables[i] = L.CreateTable(ft.arr, ft.hash)
	}
	funcs := make([]*lua.LFunction, len(s.funcs))
	for i, ff := range s.funcs {
		funcs[i] = L.NewFunctionFromProto(ff.proto)
	}
	reqs := make([]lua.LValue, len(s.requests))
	for i, r := range s.requests {
		ud := L.NewUserData()
		ud.Value = r
		ud.Metatable = reqType
		reqs[i] = ud
	}
	val := func(fv frozenValue) lua.LValue {
		switch fv.kind {
		case frozenTableV:
			return tables[fv.i]
		case frozenFuncV:
			return funcs[fv.i]
		case frozenRequest:
			return reqs[fv.i]
		case frozenLibrary:
			return library(string(fv.v.(lua.LString)))
		}
		return fv.v
	}
	cells := make([]*lua.Upvalue, len(s.cells))
	for i, c := range s.cells {
		cells[i] = &lua.Upvalue{} // closed: it holds its own value
		cells[i].SetValue(val(c))
	}
	for i, ff := range s.funcs {
		for k, c := range ff.cells {
			funcs[i].Upvalues[k] = cells[c]
		}
	}
	for i, ft := range s.tables {
		t := tables[i]
		for j, k := range ft.keys {
			t.RawSet(val(k), val(ft.vals[j]))
		}
		if ft.meta.kind != frozenScalar || ft.meta.v != lua.LNil {
			t.Metatable = val(ft.meta)
		}
	}
	return thawed{funcs: funcs}
}

// globalRead is a hook's read of a global variable.
type globalRead struct {
	name string
	pos  string // "path:line"
}

// globalReads lists the globals that the snapshot's functions (and the
// functions defined inside them) read, once per name and position, in
// the order of the snapshot.
func (s *snapshot) globalReads() []globalRead {
	var out []globalRead
	seen := map[*lua.FunctionProto]bool{}
	dup := map[globalRead]bool{}
	var scan func(p *lua.FunctionProto)
	scan = func(p *lua.FunctionProto) {
		if seen[p] {
			return
		}
		seen[p] = true
		for pc, inst := range p.Code {
			if int(inst>>26) != lua.OP_GETGLOBAL {
				continue
			}
			name, ok := p.Constants[int(inst&0x3ffff)].(lua.LString)
			if !ok {
				continue
			}
			line := p.LineDefined
			if pc < len(p.DbgSourcePositions) {
				line = p.DbgSourcePositions[pc]
			}
			r := globalRead{name: string(name), pos: p.SourceName + ":" + strconv.Itoa(line)}
			if !dup[r] {
				dup[r] = true
				out = append(out, r)
			}
		}
		for _, child := range p.FunctionPrototypes {
			scan(child)
		}
	}
	for _, f := range s.funcs {
		scan(f.proto)
	}
	return out
}
