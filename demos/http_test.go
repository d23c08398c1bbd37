package demos

import (
	"fmt"
	"testing"

	"socketlab/lab"
)

// TestHTTPPaths asks for the hello page, a missing page (404, still framed
// by Content-Length) and a malformed request line (400 without a length:
// the body ends when the server closes, and the length finding says so).
func TestHTTPPaths(t *testing.T) {
	for _, c := range []struct {
		path   string
		status string
		length bool // the length finding holds
	}{
		{"/", "HTTP/1.1 200 OK", true},
		{"/nope", "HTTP/1.1 404 Not Found", true},
		{"/a b", "HTTP/1.1 400 Bad Request", false},
	} {
		t.Run(c.path, func(t *testing.T) {
			repeatDemo(t, "http", 5, repeat{Sets: []string{"path=" + c.path}, Short: 5, Want: map[string]bool{"length": c.length}, Check: func(_ int, res lab.Result) error {
				for _, f := range res.Findings {
					if f.ID != "length" && !f.OK {
						return fmt.Errorf("finding %s did not hold: %s", f.ID, f.Text.En)
					}
				}
				if lines, _, _, ok := httpResponse(res.Trace); !ok || lines[0] != c.status {
					return fmt.Errorf("status %q, want %q", lines, c.status)
				}
				// The key read of the head is the one that completed the
				// blank line: the last read of the head.
				head := res.Trace.Step("read-head")
				for i, e := range head {
					if e.Key != (i == len(head)-1) {
						return fmt.Errorf("read %d of %d of the head: key = %v", i+1, len(head), e.Key)
					}
				}
				return nil
			}})
		})
	}
}

// TestHTTPServerClosed: the peer sides tell a server that closed before
// the end of the headers by the error's type, whatever its words, and
// still show it in both languages.
func TestHTTPServerClosed(t *testing.T) {
	closed := httpServerClosed{lab.Errorf(lab.T("anything", "任何"), nil)}
	if !serverClosed(closed) || httpEnd(closed) != "b''" {
		t.Errorf("serverClosed = %v, httpEnd = %q: an early close is not told apart", serverClosed(closed), httpEnd(closed))
	}
	if zh := lab.ErrText(closed).Zh; zh != "任何" {
		t.Errorf("the close's Chinese text is %q", zh)
	}
	other := lab.Errorf(lab.T("the server closed before the end of the headers", "x"), nil)
	if serverClosed(other) || httpEnd(other) == "b''" {
		t.Error("an error is taken for an early close by its words")
	}
}
