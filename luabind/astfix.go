package luabind

import (
	"reflect"

	"github.com/yuin/gopher-lua/ast"
)

// fixKeyedCalls works around a gopher-lua v1.1.2 compiler bug: in a table
// constructor whose last field is keyed and a call, as in
//
//	{ 10, http.get("/health"), check = status(200) }
//
// the call's value is also appended to the list part (t[3] above), where
// Lua puts it only under its key. A keyed value is one value in Lua
// anyway, so marking such calls as adjusted to one result (as (f()) is)
// makes the compiler emit what Lua means. It walks the whole chunk.
func fixKeyedCalls(chunk []ast.Stmt) {
	walkAST(reflect.ValueOf(chunk))
}

var tableExprType = reflect.TypeFor[*ast.TableExpr]()

func walkAST(v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			walkAST(v.Elem())
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Type() == tableExprType {
			t := v.Interface().(*ast.TableExpr)
			if n := len(t.Fields); n > 0 && t.Fields[n-1].Key != nil {
				switch e := t.Fields[n-1].Value.(type) {
				case *ast.FuncCallExpr:
					e.AdjustRet = true
				case *ast.Comma3Expr:
					e.AdjustRet = true
				}
			}
		}
		walkAST(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkAST(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkAST(v.Index(i))
		}
	}
}
