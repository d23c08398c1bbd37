package lab

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// Keys from the page and from the terminal both reach the stepper, in the
// order they were pressed; a terminal line read while the page's key won
// is not lost; the page goes on after the terminal's input ends.
func TestMergeKeysWebAndTerminal(t *testing.T) {
	ctx := context.Background()
	pr, pw := io.Pipe()
	feed := NewKeyFeed()
	k := MergeKeys(LineKeys(pr), feed)
	if !k.Live() {
		t.Errorf("merged keys are live: the page can press at any time")
	}
	feed.Press(KeyNext)
	if key, err := k.Key(ctx); err != nil || key != KeyNext {
		t.Fatalf("page key: %v %v", key, err)
	}
	// The terminal read that lost is still pending inside LineKeys: the
	// next line typed is the next key.
	go pw.Write([]byte("c\n"))
	if key, err := k.Key(ctx); err != nil || key != KeyContinue {
		t.Fatalf("terminal key after a page key: %v %v", key, err)
	}
	pw.Close()
	feed.Press(KeyQuit)
	if key, err := k.Key(ctx); err != nil || key != KeyQuit {
		t.Fatalf("a page key after the terminal's EOF: %v %v", key, err)
	}
	cctx, cancel := context.WithCancelCause(ctx)
	cancel(ErrQuit)
	if _, err := k.Key(cctx); !errors.Is(err, ErrQuit) {
		t.Errorf("a cancelled wait returns the cause, got %v", err)
	}
}

func TestMergeKeysWebPageOnly(t *testing.T) {
	feed := NewKeyFeed()
	k := MergeKeys(nil, feed)
	for range feedKeys {
		if !feed.Press(KeyPause) {
			t.Fatal("the feed refused a key before it was full")
		}
	}
	if feed.Press(KeyNext) {
		t.Errorf("a full feed must refuse, never block")
	}
	feed.Drain()
	feed.Press(KeyContinue)
	if key, err := k.Key(context.Background()); err != nil || key != KeyContinue {
		t.Errorf("after Drain: %v %v", key, err)
	}
	if _, err := k.Line(context.Background()); !errors.Is(err, io.EOF) {
		t.Errorf("no terminal, no typed lines: %v", err)
	}
}

// The stepper of a run in step mode takes keys from both: three from the
// page and one from the terminal make four calls.
func TestStepWithMergedKeysWeb(t *testing.T) {
	pr, pw := io.Pipe()
	feed := NewKeyFeed()
	announced := make(chan string, 64)
	st := NewStepperKeys(MergeKeys(LineKeys(pr), feed), io.Discard, En, true, 0)
	st.Show = func(a Announcement, l Lang) string {
		announced <- a.Call
		return ""
	}
	done := make(chan error, 1)
	var calls []string
	go func() {
		_, err := Run(context.Background(), echoDemo(), Options{Step: st, Sink: SinkFunc(func(e Event) {
			if e.Op.IsCall() {
				calls = append(calls, e.Call)
			}
		})})
		done <- err
	}()
	for i := range 4 {
		<-announced
		if i == 2 {
			pw.Write([]byte("\n")) // the terminal
		} else {
			feed.Press(KeyNext) // the page
		}
	}
	<-announced
	feed.Press(KeyContinue)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(calls) < 5 || !strings.HasPrefix(calls[0], "socket(") {
		t.Errorf("calls %v", calls)
	}
}
