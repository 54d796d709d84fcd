package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reslua report refuses a file larger than any results file before
// reading it (a sparse file here: nothing is written to disk).
func TestReportRefusesHugeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "huge.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxResultsFile + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var stdout, stderr bytes.Buffer
	code := reportCommand([]string{path, "-o", filepath.Join(dir, "r.html")}, &stdout, &stderr)
	if want := "larger than 1024 MiB, expected a results file"; code != exitUsage || !strings.Contains(stderr.String(), want) {
		t.Fatalf("exit %d, %q; want 2 and %q", code, stderr.String(), want)
	}
}
