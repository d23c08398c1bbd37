package lab

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestTextError(t *testing.T) {
	err := fmt.Errorf("client 2: %w", Errorf(T("the answer", "回答"), Errorf(T("header", "报头"), io.ErrUnexpectedEOF)))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Error("the cause is lost")
	}
	if got, want := err.Error(), "client 2: the answer: header: unexpected EOF"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := ErrText(err).Zh, "回答：报头：unexpected EOF"; got != want {
		t.Errorf("Zh = %q, want %q", got, want)
	}
	if !ErrText(io.EOF).IsZero() {
		t.Error("a plain error has a translation")
	}
}
