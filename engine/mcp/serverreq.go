package mcp

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/reslua/reslua/engine/httpc"
)

// ServerRequests counts the requests a server sent to the client on a
// reply's SSE stream before the response, by method. Each was answered at
// once with a JSON-RPC response POSTed to the endpoint with the session's
// headers: ping with an empty result (the spec says the receiver MUST
// answer promptly), everything else with "method not found" (-32601),
// since reslua declares no client capability (no sampling, roots or
// elicitation). The zero value counts none.
type ServerRequests struct {
	// Ping counts ping; Sampling sampling/createMessage; Roots
	// roots/list; Elicitation elicitation/create; Other any other method.
	Ping, Sampling, Roots, Elicitation, Other int64
	// Unanswered counts the requests whose answer could not be delivered
	// (the POST failed, or its status was not 2xx).
	Unanswered int64
}

// Total returns the number of server requests counted.
func (s ServerRequests) Total() int64 {
	return s.Ping + s.Sampling + s.Roots + s.Elicitation + s.Other
}

// Add adds o's counts to s.
func (s *ServerRequests) Add(o ServerRequests) {
	s.Ping += o.Ping
	s.Sampling += o.Sampling
	s.Roots += o.Roots
	s.Elicitation += o.Elicitation
	s.Other += o.Other
	s.Unanswered += o.Unanswered
}

// seen notes what a reply brings besides its response. A nil *seen notes
// nothing; a seen without c counts server requests without answering
// them.
type seen struct {
	progress int            // notifications/progress
	requests ServerRequests // server requests, by method

	// Where answers go: the Client, the context of the call, the way its
	// exchanges go and its session state (nil: none).
	c   *Client
	ctx context.Context
	v   via
	st  *sessionState
}

// note counts m if it is a progress notification, and counts and answers
// it if it is a request (a method and an id that is not null).
func (sn *seen) note(m *message) {
	switch {
	case sn == nil || m.Method == "":
	case m.Method == "notifications/progress":
		sn.progress++
	case len(m.ID) > 0 && string(m.ID) != "null":
		sn.serverRequest(m)
	}
}

// JSON-RPC answers to server requests; the id goes between the parts.
const (
	answerHead     = `{"jsonrpc":"2.0","id":`
	answerEmpty    = `,"result":{}}`
	answerNotFound = `,"error":{"code":-32601,"message":"method not found: reslua declares no client capabilities"}}`
)

// serverRequest counts the server request m and answers it at once: the
// server waits for the answer before it goes on with the call whose
// stream is being read.
func (sn *seen) serverRequest(m *message) {
	tail := answerNotFound
	switch m.Method {
	case "ping":
		sn.requests.Ping++
		tail = answerEmpty
	case "sampling/createMessage":
		sn.requests.Sampling++
	case "roots/list":
		sn.requests.Roots++
	case "elicitation/create":
		sn.requests.Elicitation++
	default:
		sn.requests.Other++
	}
	if sn.c == nil {
		return
	}
	bp := sn.c.bufs.get()
	body := append(append(append((*bp)[:0], answerHead...), m.ID...), tail...)
	err := sn.c.answer(sn.ctx, sn.v, sn.st, body)
	*bp = body
	sn.c.bufs.put(bp)
	if err != nil {
		sn.requests.Unanswered++
	}
}

// answer POSTs body, a JSON-RPC response to a server request, through v
// with st's session headers; the server accepts it with 202 (200 and 204
// are taken too).
func (c *Client) answer(ctx context.Context, v via, st *sessionState, body []byte) error {
	if v.hc != nil {
		tpl, err := c.initTpl, c.initErr
		if st != nil {
			tpl, err = st.tpl, st.tplErr
		}
		if err != nil {
			return err
		}
		resp := c.response()
		defer c.recycle(resp)
		if err := v.hc.Do(ctx, &httpc.Request{Template: tpl, Body: body}, resp); err != nil {
			return err
		}
		return answerStatus(resp.Status, &resp.Body)
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	resp, err := v.send(c.newRequest(ctx, http.MethodPost, body, st, nil))
	if err != nil {
		return err
	}
	defer drain(resp.Body)
	return answerStatus(resp.StatusCode, resp.Body)
}

// answerStatus judges the reply to a POSTed answer.
func answerStatus(code int, body io.Reader) error {
	switch code {
	case http.StatusAccepted, http.StatusOK, http.StatusNoContent:
		return nil
	}
	return fmt.Errorf("%w %d to an answer to a server request: %s", ErrStatus, code, snippet(body))
}
