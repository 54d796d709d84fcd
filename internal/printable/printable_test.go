package printable

import "testing"

func TestName(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"list tools":          "list tools",
		"échos/ü-42 ✓":        "échos/ü-42 ✓",
		"list\nverdict: PASS": `"list\nverdict: PASS"`,
		"\x1b[2J\x1b[31mred":  `"\x1b[2J\x1b[31mred"`,
		"tab\there":           `"tab\there"`,
		"bidi\u202egnp.exe":   `"bidi\u202egnp.exe"`,
		"bad \xff utf-8":      `"bad \xff utf-8"`,
		"carriage\rreturn":    `"carriage\rreturn"`,
	} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %s, want %s", in, got, want)
		}
	}
}
