// Package exercise is the lab's exercises: programs a learner writes from
// the tutorials (a client or a server of one demo's protocol) and the cases
// `lab check` grades them with. The lab plays the other side with the
// demo's own peer code (lab.Demo.Peer) where a case is the tutorial's
// exchange, through a proxy that cuts the bytes differently (1-byte
// slices, a slow peer), or with a few lines of its own where a case breaks
// the exchange on purpose (an early close, a reset, a hostile name).
//
//	server exercise: program ─ listens ◀── [proxy] ◀── lab's client, case by case
//	client exercise: program ─ connects ──▶ [proxy] ──▶ lab's server, program run once per case
//
// Every case is listed by `lab exercise <slug>`: there are no hidden cases.
package exercise

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"socketlab/demos"
	"socketlab/lab"
)

// Role is what the learner writes.
type Role int

const (
	Server Role = iota // the lab connects to it
	Client             // it connects to the lab
)

func (r Role) String() string {
	if r == Client {
		return "client"
	}
	return "server"
}

// Exercise is one program to write and the cases that grade it.
type Exercise struct {
	Slug  string
	Role  Role
	Demo  int    // the demo (and lesson) it follows
	Proto string // "tcp" or "udp"
	Title lab.Text
	// Task is the statement: what to write, the wire format with a byte
	// example and, for a client, the exact stdout.
	Task  lab.Text
	Stdin string // a client's standard input ("" is none)
	Cases []Case
	// Setup, if set, prepares a folder of the lab's own for a server
	// exercise before the program starts (T.Work: inside the program's
	// working folder, removed after the check), e.g. a users file, and
	// says how the program finds what it made: {Name} in its command and
	// Env in its environment.
	Setup func(work string) ([]Var, error)
	// PyStarter, if set, is the Python starter's code in place of the
	// generic socket setup (lab exercise init).
	PyStarter string
}

// Var is a path the lab gives the program: {Name} in its arguments, Env in
// its environment.
type Var struct{ Name, Env, Value string }

// ID is the exercise's number in the list (1, 2, …).
func (e Exercise) ID() int {
	for i, x := range All() {
		if x.Slug == e.Slug {
			return i + 1
		}
	}
	return 0
}

// Case is one condition a program must survive.
type Case struct {
	ID   string   // stable, English, for JSON and tests: "sliced"
	Name lab.Text // what the lab does
	Hint lab.Text // the likely bug when it fails
	// Proxy, if set (Slice, Delay or Merge), sits between the lab and the
	// program and cuts the bytes as it says.
	Proxy lab.ProxyOptions
	// Server exercises: the lab's client, against t.Addr.
	Client func(t *T) error
	// Client exercises: the lab's server for the one connection the
	// program makes: demo Peer's own (`lab serve Peer`, with the knobs
	// Sets), or Serve; Want is the exact stdout.
	Peer  int
	Sets  []string
	Serve func(t *T, c *lab.Conn) error
	Want  string
	// Judge, if set, judges the stdout instead of Want, whatever the exit.
	Judge func(stdout []byte) error
}

func (c Case) proxied() bool { return c.Proxy.Slice > 0 || c.Proxy.Delay > 0 || c.Proxy.Merge > 0 }

// All lists the exercises in teaching order.
func All() []Exercise {
	return []Exercise{
		echoServer(), udpEchoServer(), readerClient(),
		structClient(), structServer(), jsonClient(), jsonServer(), objectsClient(),
		threadedServer(), chatServer(), uploadServer(), httpServer(), ftpServer(),
	}
}

// Lookup finds an exercise by slug.
func Lookup(slug string) (Exercise, bool) {
	for _, e := range All() {
		if e.Slug == slug {
			return e, true
		}
	}
	return Exercise{}, false
}

// Slugs are the exercises' slugs, in order.
func Slugs() []string {
	var s []string
	for _, e := range All() {
		s = append(s, e.Slug)
	}
	return s
}

// Mismatch is a case that failed on the bytes: what the lab sent, what it
// expected back, and what arrived.
type Mismatch struct {
	What            lab.Text // what was wrong, one line
	Sent, Want, Got []byte
	Hint            lab.Text // overrides the case's hint when set
}

func (m *Mismatch) Error() string { return m.What.En }

// mismatch compares what arrived with what was wanted.
func mismatch(what lab.Text, sent, want, got []byte) error {
	if bytes.Equal(want, got) {
		return nil
	}
	return &Mismatch{What: what, Sent: sent, Want: want, Got: got}
}

// fail is a case that failed for a reason other than bytes.
func fail(t lab.Text) error { return &Mismatch{What: t} }

// failHint is fail with a hint of its own.
func failHint(t, hint lab.Text) error { return &Mismatch{What: t, Hint: hint} }

// upper is Python's bytes.upper(), as demos 1, 2 and 11 answer.
func upper(b []byte) []byte { return demos.Upper(b) }

// letters is n bytes of lower-case text, the same every run.
func letters(n int) []byte {
	b := make([]byte, n)
	x := uint32(12345)
	for i := range b {
		x = x*1103515245 + 12345
		b[i] = "abcdefghijklmnopqrstuvwxyz \n"[(x>>16)%28]
	}
	return b
}

// caseTable is the cases of an exercise as `lab exercise` prints them.
func (e Exercise) caseTable(l lab.Lang) string {
	var b strings.Builder
	for i, c := range e.Cases {
		fmt.Fprintf(&b, "  %2d. %-14s %s\n", i+1, c.ID, c.Name.In(l))
	}
	return b.String()
}

// Statement is the exercise as `lab exercise <slug>` prints it.
func (e Exercise) Statement(l lab.Lang) string {
	var b strings.Builder
	role := lab.T("a server", "服务端")
	if e.Role == Client {
		role = lab.T("a client", "客户端")
	}
	head := lab.Tf("%s: %s (%s, demo %d)", "%s：%s（%s，演示 %d）", e.Slug, e.Title.In(l), role.In(l), e.Demo)
	b.WriteString(head.In(l) + "\n\n")
	b.WriteString(strings.TrimSpace(e.Task.In(l)))
	b.WriteString("\n\n")
	b.WriteString(lab.T("Cases, in order (all of them; none is hidden):\n", "测试用例，按顺序（全部列出，没有隐藏的）：\n").In(l))
	b.WriteString(e.caseTable(l))
	fmt.Fprintf(&b, "\n%s\n  lab exercise init %s\n  lab check %s -- %s\n", lab.T("Start and check it:", "开始并检查：").In(l),
		e.Slug, e.Slug, e.example())
	return b.String()
}

// example is the check command for a Python program.
func (e Exercise) example() string {
	return fmt.Sprintf("python3 %s {port}", e.File(false))
}

// File is the starter file's name.
func (e Exercise) File(goLang bool) string {
	name := strings.ReplaceAll(e.Slug, "-", "_")
	if goLang {
		return name + ".go"
	}
	return name + ".py"
}

// defaultTimeout bounds one case when the learner gives no --timeout.
const DefaultTimeout = 10 * time.Second
