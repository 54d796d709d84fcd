package mcp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/reslua/reslua/engine/outcome"
)

// Doer sends requests: a *Session or a *Pool.
type Doer interface {
	Do(ctx context.Context, r Request) Response
}

// maxPages bounds ListAllTools against servers whose cursors never end.
const maxPages = 1000

// ListAllTools fetches every page of tools/list through d, following
// nextCursor, and returns the tool objects as the server sent them. The
// Response is that of the last page fetched: OK when every page was, else
// the failure that stopped the walk (outcome.Protocol for a page that is
// not a tools/list result, a cursor seen twice or too many pages).
func ListAllTools(ctx context.Context, d Doer) ([]json.RawMessage, Response) {
	var (
		tools  []json.RawMessage
		cursor string
		seen   = map[string]bool{}
	)
	for range maxPages {
		res := d.Do(ctx, ToolsList(cursor))
		if res.Kind != outcome.OK {
			return tools, res
		}
		var page struct {
			Tools      []json.RawMessage `json:"tools"`
			NextCursor string            `json:"nextCursor"`
		}
		if err := json.Unmarshal(res.Result, &page); err != nil {
			res.Kind, res.Err = outcome.Protocol, fmt.Errorf("%w: tools/list result: %v", ErrProtocol, err)
			return tools, res
		}
		tools = append(tools, page.Tools...)
		if page.NextCursor == "" {
			return tools, res
		}
		if seen[page.NextCursor] {
			res.Kind, res.Err = outcome.Protocol, fmt.Errorf("%w: tools/list cursor %q repeats", ErrProtocol, page.NextCursor)
			return tools, res
		}
		seen[page.NextCursor] = true
		cursor = page.NextCursor
	}
	return tools, Response{Kind: outcome.Protocol, Err: fmt.Errorf("%w: tools/list has more than %d pages", ErrProtocol, maxPages)}
}
