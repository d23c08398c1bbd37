package view

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"socketlab/lab"
)

// kinds writes what a view made of events, compactly: D12 (drew seq 12),
// F5-9 (folded seqs 5 to 9), P7 (progress of seq 7), R (a new run), with
// ①… for markers.
func kinds(items []Item) string {
	var out []string
	for _, it := range items {
		switch it.Kind {
		case Draw:
			s := fmt.Sprintf("D%d", it.Event.Seq)
			if it.Compact {
				s += "c"
			}
			if it.Marker > 0 {
				s += fmt.Sprintf("m%d", it.Marker)
			}
			if len(it.Markers) > 0 {
				s += fmt.Sprintf("%v", it.Markers)
			}
			out = append(out, s)
		case Folded:
			out = append(out, fmt.Sprintf("F%d-%d", it.Fold.First, it.Fold.Last))
		case Progress:
			out = append(out, fmt.Sprintf("P%d", it.Event.Seq))
		case NewRun:
			out = append(out, "R")
		}
	}
	return strings.Join(out, " ")
}

func push(v *View, evs []lab.Event) string {
	var items []Item
	for i, e := range evs {
		if e.Seq == 0 && e.Op != lab.OpRun {
			e.Seq = i + 1
		}
		items = append(items, v.Push(e)...)
	}
	return kinds(append(items, v.Flush()...))
}

func recv(conn, n int) lab.Event {
	return lab.Event{Side: lab.Server, Op: lab.OpRecv, Conn: conn, Call: "recv(1024)", Req: 1024, N: n}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct {
		name string
		evs  []lab.Event
		want string
	}{
		{"four are drawn, the rest fold",
			[]lab.Event{recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), {Side: lab.Server, Op: lab.OpClose, Conn: 3}},
			"D1 D2c D3c D4c F5-6 D7"},
		{"two sockets fold side by side",
			[]lab.Event{recv(3, 1), recv(4, 1), recv(3, 1), recv(4, 1), recv(3, 1), recv(4, 1), recv(3, 1), recv(4, 1), recv(3, 1), recv(4, 1)},
			"D1 D2 D3c D4c D5c D6c D7c D8c F9-9 F10-10"},
		{"another call on the same socket is a run of its own",
			[]lab.Event{recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1),
				{Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(4)", Req: 4, N: 4}, recv(3, 1)},
			"D1 D2c D3c D4c F5-5 D6 F7-7"},
		{"an EOF, an error, a cut and a key call never fold",
			[]lab.Event{recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 0),
				recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), {Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(1024)", Err: "reset"}},
			"D1 D2c D3c D4c D5 D6 D7c D8c D9c D10"},
		{"an event that is not a like call starts the runs again",
			[]lab.Event{recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), {Side: lab.Server, Op: lab.OpNote},
				recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1)},
			"D1 D2c D3c D4c F5-5 D6 D7 D8c D9c D10c F11-11"},
		{"a named call is drawn, and ends the run",
			[]lab.Event{recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1),
				{Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(1024)", N: 2, Step: "merged", Key: true}},
			"D1 D2c D3c D4c F5-5 D6m1"},
		{"a named call counts as one of its run's drawn calls",
			[]lab.Event{{Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(1024)", N: 1, Step: "first", Key: true},
				recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1)},
			"D1m1 D2c D3c D4c F5-6"},
		{"forks fold apart",
			[]lab.Event{recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1), recv(3, 1),
				{Side: lab.Server, Who: "c2", Op: lab.OpRecv, Conn: 3, Call: "recv(1024)", N: 1}},
			"D1 D2c D3c D4c F5-5 D6"},
		{"a folded call of a transfer is progress",
			[]lab.Event{
				{Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", N: 9, Total: 45, Done: 9},
				{Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", N: 9, Total: 45, Done: 18},
				{Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", N: 9, Total: 45, Done: 27},
				{Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", N: 9, Total: 45, Done: 36},
				{Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", N: 9, Total: 45, Done: 45}},
			"D1 D2c D3c D4c P5 F5-5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := push(New(Options{}), tc.evs); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	// --full folds nothing.
	var evs []lab.Event
	for range 6 {
		evs = append(evs, recv(3, 1))
	}
	if got := push(New(Options{Full: true}), evs); got != "D1 D2 D3 D4 D5 D6" { // nothing compact either
		t.Errorf("--full: %s", got)
	}
}

// TestFoldOrder: whatever the interleaving of like calls on several
// sockets and other events, every event is drawn or counted in a fold line
// exactly once, and the items come in the order of their seqs (a fold line
// at its last call), so the time column never goes back.
func TestFoldOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		v := New(Options{})
		var items []Item
		hidden := 0
		n := 5 + rng.IntN(200)
		for seq := 1; seq <= n; seq++ {
			var e lab.Event
			switch r := rng.IntN(20); {
			case r < 8:
				e = recv(3, 1+rng.IntN(9))
			case r < 15:
				e = lab.Event{Side: lab.Client, Op: lab.OpSendAll, Conn: 2, Call: "sendall()", N: 5}
			case r < 17:
				e = lab.Event{Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(4)", N: 4}
			case r < 18:
				e = lab.Event{Side: lab.Server, Op: lab.OpSignal}
				hidden++
			default:
				e = lab.Event{Side: lab.Client, Op: lab.OpNote}
			}
			e.Seq = seq
			items = append(items, v.Push(e)...)
		}
		items = append(items, v.Flush()...)
		seen := map[int]int{}
		last, folded := 0, 0
		for _, it := range items {
			at := it.Event.Seq
			switch it.Kind {
			case Folded:
				at = it.Fold.Last
				folded += it.Fold.Calls
			case Draw:
				seen[at]++
			}
			if it.Kind != Progress && at <= last {
				t.Fatalf("round %d: item at seq %d after seq %d: %s", round, at, last, kinds(items))
			}
			last = max(last, at)
		}
		for seq := 1; seq <= n; seq++ {
			if seen[seq] > 1 {
				t.Fatalf("round %d: seq %d drawn twice", round, seq)
			}
		}
		if len(seen)+folded+hidden != n {
			t.Fatalf("round %d: %d drawn + %d folded + %d hidden of %d events", round, len(seen), folded, hidden, n)
		}
	}
}

func TestFoldCounts(t *testing.T) {
	v := New(Options{})
	var items []Item
	for i, n := range []int{1024, 1024, 1024, 1024, 1024, 7, 1024, 1} {
		e := recv(3, n)
		e.Seq = i + 1
		items = append(items, v.Push(e)...)
	}
	items = append(items, v.Push(lab.Event{Seq: 9, Side: lab.Server, Op: lab.OpClose, Conn: 3})...)
	var f Fold
	for _, it := range items {
		if it.Kind == Folded {
			f = it.Fold
		}
	}
	if f.Calls != 4 || f.Bytes != 1024+7+1024+1 || f.Lo != 1 || f.Hi != 1024 || f.First != 5 || f.Last != 8 || f.Call != "recv(1024)" {
		t.Errorf("fold = %+v", f)
	}
}

func TestHide(t *testing.T) {
	evs := []lab.Event{
		{Side: lab.Server, Op: lab.OpSetOpt, Conn: 1, Detail: lab.DetailSetup},
		{Side: lab.Server, Op: lab.OpSignal, Name: "listening"},
		{Side: lab.Client, Op: lab.OpWait, Name: "listening"},
		{Side: lab.Client, Op: lab.OpNote, Detail: lab.DetailGo},
		{Side: lab.Client, Op: lab.OpConnect, Conn: 2},
	}
	for _, tc := range []struct {
		show []string
		want string
	}{
		{nil, "D5"},
		{[]string{lab.DetailBarriers}, "D2 D3 D5"},
		{[]string{lab.DetailSetup, lab.DetailGo}, "D1 D4 D5"},
	} {
		if got := push(New(Options{Show: tc.show}), evs); got != tc.want {
			t.Errorf("show %v: %s, want %s", tc.show, got, tc.want)
		}
	}
	// A hidden event does not end a run of like calls.
	var run []lab.Event
	for range 5 {
		run = append(run, recv(3, 1), lab.Event{Side: lab.Server, Op: lab.OpSignal, Name: "x"})
	}
	if got := push(New(Options{}), run); got != "D1 D3c D5c D7c F9-9" {
		t.Errorf("barriers between like calls: %s", got)
	}
}

// TestMarkers: a key step's events share a marker, numbered in the order
// the steps first appear; a finding gets the markers of the events it
// points at; a new run starts again from ①.
func TestMarkers(t *testing.T) {
	key := func(seq int, step string) lab.Event {
		return lab.Event{Seq: seq, Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(7)", N: 7, Step: step, Key: true}
	}
	evs := []lab.Event{
		key(1, "split"), key(2, "eof"), key(3, "split"),
		{Seq: 4, Side: lab.Server, Op: lab.OpRecv, Conn: 3, Call: "recv(7)", N: 7, Step: "named"},
		{Seq: 5, Side: lab.System, Op: lab.OpFinding, ID: "split", Evidence: []int{3, 1}},
		{Seq: 6, Side: lab.System, Op: lab.OpFinding, ID: "both", Evidence: []int{2, 3, 4}},
		{Seq: 7, Side: lab.System, Op: lab.OpFinding, ID: "none", Evidence: []int{4}},
		{Side: lab.System, Op: lab.OpRun},
		key(1, "eof"),
	}
	if got, want := push(New(Options{}), evs), "D1m1 D2m2 D3m1 D4 D5[1] D6[1 2] D7 R D1m1"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestProxyLanes: a proxy's accepted sockets are on the left, the sockets
// it dials on the right (from their socket() on, which names the address),
// until they close; a demo's roles keep their lanes.
func TestProxyLanes(t *testing.T) {
	p := lab.Proxy
	evs := []lab.Event{
		{Side: p, Op: lab.OpSocket, Conn: 1},
		{Side: p, Op: lab.OpListen, Conn: 1},
		{Side: p, Who: "c1", Op: lab.OpAccept, Conn: 2},
		{Side: p, Who: "c1", Op: lab.OpSocket, Conn: 3, Peer: "127.0.0.1:9000"},
		{Side: p, Who: "c1", Op: lab.OpConnect, Conn: 3},
		{Side: p, Who: "c1", Op: lab.OpRecv, Conn: 2},
		{Side: p, Who: "c1", Op: lab.OpSend, Conn: 3},
		{Side: p, Who: "c1", Op: lab.OpClose, Conn: 3},
		{Side: p, Who: "c1", Op: lab.OpNote, Conn: 3},
		{Side: p, Who: "c1", Op: lab.OpClose, Conn: 2},
	}
	var l Lanes
	var got []string
	for _, e := range evs {
		right, faces := l.place(e)
		s := "L"
		if right {
			s = "R"
		}
		if faces {
			s += "s"
		}
		got = append(got, fmt.Sprintf("%s#%d", s, e.Conn))
	}
	if s, want := strings.Join(got, " "), "L#1 L#1 L#2 Rs#3 Rs#3 L#2 Rs#3 Rs#3 L#3 L#2"; s != want {
		t.Errorf("lanes\n got %s\nwant %s", s, want)
	}
	var demo Lanes
	if r, f := demo.place(lab.Event{Side: lab.Client, Op: lab.OpConnect}); r || !f {
		t.Error("a client's socket is on the left and faces the server")
	}
	if r, f := demo.place(lab.Event{Side: lab.Server, Op: lab.OpAccept}); !r || f {
		t.Error("a server's socket is on the right")
	}
}
