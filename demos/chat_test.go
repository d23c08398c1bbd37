package demos

import (
	"strings"
	"testing"

	"socketlab/lab"
)

// TestChatScripted runs the chat with scripts, including the default one.
func TestChatScripted(t *testing.T) {
	for _, c := range []struct {
		sets []string
		sent []string // what the client sends, in order
		ok   bool     // all findings hold
	}{
		{nil, []string{"hello", "吃了吗？", "q"}, true},
		{[]string{"msgs=a,b,q"}, []string{"a", "b", "q"}, true},
		{[]string{"msgs=你好,,x"}, []string{"你好", "x", "q"}, true}, // empty skipped, q added
		{[]string{"msgs=q"}, []string{"q"}, false},               // nothing to echo
		{[]string{"msgs=abc"}, []string{"abc", "q"}, true},       // ASCII, but the answer's suffix is not
	} {
		t.Run(strings.Join(c.sets, " "), func(t *testing.T) {
			res := runDemo(t, chat(), lab.Options{}, c.sets...)
			var sent []string
			for _, e := range res.Trace.Calls(lab.Client, lab.OpSendAll) {
				sent = append(sent, string(e.Data))
			}
			if strings.Join(sent, "|") != strings.Join(c.sent, "|") {
				t.Errorf("sent %q, want %q", sent, c.sent)
			}
			if res.OK != c.ok {
				t.Errorf("all findings hold = %v, want %v: %v", res.OK, c.ok, res.Findings)
			}
		})
	}
}

// TestChatTyped feeds lines as if a learner typed them: an empty line is
// not sent, and the end of input sends q.
func TestChatTyped(t *testing.T) {
	in := strings.NewReader("hi there\n\n你好\r\n")
	res := runDemo(t, chat(), lab.Options{Input: in})
	var sent []string
	for _, e := range res.Trace.Calls(lab.Client, lab.OpSendAll) {
		sent = append(sent, string(e.Data))
	}
	if got := strings.Join(sent, "|"); got != "hi there|你好|q" {
		t.Errorf("sent %q", got)
	}
	if !res.OK {
		t.Errorf("findings: %v", res.Findings)
	}
	// The scripted knob wins over typing.
	res = runDemo(t, chat(), lab.Options{Input: strings.NewReader("never read\n")}, "msgs=x,q")
	if got := string(res.Trace.Calls(lab.Client, lab.OpSendAll)[0].Data); got != "x" {
		t.Errorf("first message %q, want the script's x", got)
	}
}

// TestChatTypedWithStepper reads typed lines through the stepper, which
// shares the same input: step keys and lines take turns.
func TestChatTypedWithStepper(t *testing.T) {
	in := strings.NewReader("c\nhello\nq\n")
	st := lab.NewStepper(in, &strings.Builder{}, lab.En, true, 0)
	res := runDemo(t, chat(), lab.Options{Input: in, Step: st})
	var sent []string
	for _, e := range res.Trace.Calls(lab.Client, lab.OpSendAll) {
		sent = append(sent, string(e.Data))
	}
	if got := strings.Join(sent, "|"); got != "hello|q" {
		t.Errorf("sent %q", got)
	}
}

// TestChatNotesFollowTheirCalls: the script decides how many messages go
// back and forth, and each note stays on its call: the welcome note on the
// server's first sendall, the echo note on each answer, the quit note on
// the client's "q" and the hang-up note on the read that got EOF.
func TestChatNotesFollowTheirCalls(t *testing.T) {
	for _, msgs := range []string{"q", "a,q", "hello,吃了吗？,x"} {
		t.Run(msgs, func(t *testing.T) {
			anns := announcements(t, chat(), "msgs="+msgs)
			welcomed := false
			for _, a := range anns {
				e, note := a.e, a.note
				var want string
				switch {
				case e.Side == lab.Server && e.Op == lab.OpSendAll && !welcomed:
					welcomed, want = true, "server.welcome"
				case e.Side == lab.Server && e.Op == lab.OpSendAll:
					want = "server.echo"
				case e.Side == lab.Client && e.Op == lab.OpSendAll && string(e.Data) == "q":
					want = "client.quit"
				case e.Side == lab.Client && e.Op == lab.OpSendAll:
					want = "client.sendall"
				case e.Side == lab.Client && e.Op == lab.OpRecv && e.N == 0:
					want = "client.hung-up"
				case e.Side == lab.Client && e.Op == lab.OpRecv && string(e.Data) == chatWelcome:
					want = "client.read-welcome"
				case e.Side == lab.Client && e.Op == lab.OpRecv:
					want = "client.answer"
				default:
					continue
				}
				if a.key != want {
					t.Errorf("%s %s %q announced with %s (%q), want the note %s", e.Side, e.Call, e.Data, a.key, note, want)
				}
			}
			if !welcomed {
				t.Error("no welcome")
			}
		})
	}
}
