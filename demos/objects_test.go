package demos

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os/exec"
	"reflect"
	"slices"
	"testing"

	"socketlab/demos/wire"
	"socketlab/lab"
)

func TestObjectsManyRuns(t *testing.T) {
	want := map[string]bool{"pieces": true, "equal": true, "refused": true}
	for _, codec := range []string{"pickle", "gob", "json"} {
		t.Run(codec, func(t *testing.T) {
			repeatDemo(t, "objects", 50, repeat{Sets: []string{"codec=" + codec}, Short: 3, Want: want, Check: count(len(want))})
		})
	}
}

func TestObjectsKnobs(t *testing.T) {
	for _, c := range []struct {
		sets []string
		want map[string]bool
	}{
		{[]string{"buf=65536"}, map[string]bool{"pieces": false, "equal": true, "refused": true}},
		{[]string{"buf=1"}, map[string]bool{"pieces": true, "equal": true, "refused": true}},
		{[]string{"buf=16"}, map[string]bool{"pieces": true, "equal": true}},
		{[]string{"codec=json", "buf=7"}, map[string]bool{"pieces": true, "equal": true}},
		{[]string{"codec=gob", "buf=1000"}, map[string]bool{"pieces": false, "equal": true}},
	} {
		t.Run(fmt.Sprint(c.sets), func(t *testing.T) {
			repeatDemo(t, "objects", 1, repeat{Sets: c.sets, Want: c.want})
		})
	}
}

func TestObjectCodecsRoundTrip(t *testing.T) {
	for _, codec := range []string{"pickle", "gob", "json"} {
		b, err := encodeObject(codec, objectValue())
		if err != nil {
			t.Fatal(err)
		}
		v, err := decodeObject(codec, b)
		if err != nil {
			t.Fatal(err)
		}
		want := any(objectValue())
		if codec == "json" {
			want = jsonView(objectValue())
		}
		if !reflect.DeepEqual(v, want) {
			t.Errorf("%s: %#v", codec, v)
		}
	}
	if _, err := decodeObject("pickle", evilPickle); err == nil {
		t.Error("the evil pickle decoded")
	}
}

// TestObjectIsPythonsPickle checks that the demo's bytes are what Python's
// pickle.dumps writes for the same dict, and that pickle.loads reads them.
func TestObjectIsPythonsPickle(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: the pickle bytes were not compared with Python's")
	}
	b, err := wire.AppendPickle(nil, objectValue())
	if err != nil {
		t.Fatal(err)
	}
	script := `import pickle, sys
d = {'big': 1 << 40, 'id': 42, 'msg': '你好, server', 'nested': {'hosts': ['127.0.0.1', '::1'], 'port': 8080}, 'none': None, 'ok': True, 'raw': b'\x00\x01\xfe\xff', 'scores': [95, 87.5, -3], 'tags': ['tcp', 'pickle']}
b = bytes.fromhex(sys.argv[1])
assert pickle.loads(b) == d, pickle.loads(b)
sys.stdout.write(pickle.dumps(d, protocol=4).hex())  # the default of Python 3.8 to 3.13
`
	out, err := exec.Command(python, "-c", script, hex.EncodeToString(b)).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	if got, _ := hex.DecodeString(string(out)); !bytes.Equal(got, b) {
		t.Errorf("Python's pickle.dumps(d, protocol=4) writes\n%x\nthe lab writes\n%x", got, b)
	}
}

// The refused finding finds the client's pickle by its part id and the
// refusal by its step: a trace whose payload marks lose their id, or
// without the refusal's note, fails it (and the words of neither matter).
func TestObjectsRefusedCanFail(t *testing.T) {
	d, _ := Lookup("objects")
	p, err := lab.ParseParams(d.Knobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := runDemo(t, d, lab.Options{})
	refused := func(tr lab.Trace) bool {
		for _, f := range objectsFindings(tr, p) {
			if f.ID == "refused" {
				return f.OK
			}
		}
		t.Fatal("no finding refused")
		return false
	}
	if !refused(res.Trace) {
		t.Fatal("refused did not hold on the real trace")
	}
	for _, c := range []struct {
		what string
		mut  func(tr *lab.Trace) bool
	}{
		{"payload marks without their part", func(tr *lab.Trace) bool {
			return edit(*tr, func(e lab.Event) bool { return e.Side == lab.Server && e.Op == lab.OpRecv && len(e.Marks) > 0 },
				func(e *lab.Event) {
					e.Marks = slices.Clone(e.Marks)
					for i := range e.Marks {
						e.Marks[i].Part = ""
					}
				})
		}},
		{"no refusal note", func(tr *lab.Trace) bool {
			return drop(tr, func(e lab.Event) bool { return e.Op == lab.OpNote && e.Step == "refuse" })
		}},
		{"the note reworded", func(tr *lab.Trace) bool {
			return edit(*tr, func(e lab.Event) bool { return e.Op == lab.OpNote && e.Step == "refuse" },
				func(e *lab.Event) { e.Text = lab.T("declined", "拒绝") })
		}},
	} {
		tr := slices.Clone(res.Trace)
		if !c.mut(&tr) {
			t.Fatalf("%s: nothing to change", c.what)
		}
		if want := c.what == "the note reworded"; refused(tr) != want {
			t.Errorf("%s: refused = %v, want %v", c.what, !want, want)
		}
	}
}
