package fwdbody

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPrepare(t *testing.T) {
	// A small body is read first and handed on from memory.
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("hello"))
	orig := r.Body
	Prepare(httptest.NewRecorder(), r, true)
	if r.Body == orig {
		t.Error("a small body was not read first")
	}
	if b, err := io.ReadAll(r.Body); err != nil || string(b) != "hello" {
		t.Errorf("body %q, %v", b, err)
	}

	// Without prefetch, or beyond MaxPrefetch, or of unknown length, the
	// body is left to stream.
	for name, r := range map[string]*http.Request{
		"no prefetch": httptest.NewRequest(http.MethodPost, "/", strings.NewReader("hello")),
		"too big":     httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", MaxPrefetch+1))),
		"unknown": func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
			r.ContentLength = -1
			return r
		}(),
	} {
		orig := r.Body
		Prepare(httptest.NewRecorder(), r, name != "no prefetch")
		if r.Body != orig {
			t.Errorf("%s: the body was replaced", name)
		}
	}

	// A body shorter than its Content-Length keeps its failure, after the
	// bytes that came.
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("hel"))
	r.ContentLength = 5
	Prepare(httptest.NewRecorder(), r, true)
	b, err := io.ReadAll(r.Body)
	if string(b) != "hel" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated body: %q, %v; want \"hel\", unexpected EOF", b, err)
	}
}
