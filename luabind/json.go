package luabind

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// maxJSONDepth bounds the nesting of a table sent as JSON.
const maxJSONDepth = 100

// encodeJSON encodes a Lua value as JSON, naming the path of the first
// value that cannot be encoded (e.g. "args.items[2]: functions cannot be
// sent as JSON"). A table whose keys are exactly 1..n becomes an array, a
// table with string keys an object, an empty table {}; whole numbers are
// written without a fraction.
func encodeJSON(v lua.LValue, path string) (json.RawMessage, error) {
	g, err := toGo(v, path, map[*lua.LTable]bool{}, 0)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return b, nil
}

// toGo converts v to a value encoding/json renders as intended.
func toGo(v lua.LValue, path string, seen map[*lua.LTable]bool, depth int) (any, error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(v), nil
	case lua.LString:
		return string(v), nil
	case lua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s: %s is not a finite number and cannot be sent as JSON", path, v)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
		return f, nil
	case *lua.LTable:
		return tableToGo(v, path, seen, depth)
	case *lua.LFunction:
		return nil, fmt.Errorf("%s: functions cannot be sent as JSON", path)
	case *lua.LUserData:
		return nil, fmt.Errorf("%s: %s cannot be sent as JSON", path, describe(v))
	}
	return nil, fmt.Errorf("%s: a %s cannot be sent as JSON", path, v.Type())
}

func tableToGo(t *lua.LTable, path string, seen map[*lua.LTable]bool, depth int) (any, error) {
	if seen[t] {
		return nil, fmt.Errorf("%s: a table that contains itself cannot be sent as JSON", path)
	}
	if depth >= maxJSONDepth {
		return nil, fmt.Errorf("%s: nested more than %d deep", path, maxJSONDepth)
	}
	seen[t] = true
	defer delete(seen, t)

	ps := sortedPairs(t)
	if len(ps) == 0 {
		return map[string]any{}, nil
	}
	var nums, strs int
	for _, p := range ps {
		switch k := p.k.(type) {
		case lua.LString:
			strs++
		case lua.LNumber:
			nums++
		default:
			return nil, fmt.Errorf("%s: a key %s cannot be sent as JSON; use names or list positions", path, describe(k))
		}
	}
	if nums > 0 && strs > 0 {
		return nil, fmt.Errorf("%s: a table with both list items and named keys cannot be sent as JSON", path)
	}
	if strs > 0 {
		obj := make(map[string]any, len(ps))
		for _, p := range ps {
			k := string(p.k.(lua.LString))
			g, err := toGo(p.v, childPath(path, k), seen, depth+1)
			if err != nil {
				return nil, err
			}
			obj[k] = g
		}
		return obj, nil
	}
	// Numeric keys, sorted ascending: an array only if they are 1..n.
	arr := make([]any, len(ps))
	for i, p := range ps {
		if p.k.(lua.LNumber) != lua.LNumber(i+1) {
			return nil, fmt.Errorf("%s: a list with gaps or keys other than 1..n (here %s) cannot be sent as JSON",
				path, p.k)
		}
		g, err := toGo(p.v, path+"["+strconv.Itoa(i+1)+"]", seen, depth+1)
		if err != nil {
			return nil, err
		}
		arr[i] = g
	}
	return arr, nil
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// childPath names key within path: args.message, args["x-y"].
func childPath(path, key string) string {
	if identifier.MatchString(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}
