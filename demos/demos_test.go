package demos

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/lab"
	"socketlab/lessons"
)

// runs says how many times in a row each demo must show its findings: the
// phenomenon demos run many times to prove their recipes are not races.
var runs = map[string]int{
	"small-buffer": 100,
}

func TestCatalogue(t *testing.T) {
	all := All()
	seen := map[string]bool{}
	for i, d := range all {
		if err := d.Check(); err != nil {
			t.Error(err)
		}
		if i > 0 && d.ID <= all[i-1].ID {
			t.Errorf("demo %s comes after %s: ids must grow in teaching order", d.Name(), all[i-1].Name())
		}
		if seen[d.Slug] {
			t.Errorf("slug %s is used twice", d.Slug)
		}
		seen[d.Slug] = true
		for _, arg := range []string{fmt.Sprint(d.ID), d.Slug} {
			if got, err := Lookup(arg); err != nil || got.Slug != d.Slug {
				t.Errorf("Lookup(%q) = %v, %v", arg, got.Slug, err)
			}
		}
	}
	for _, bad := range []string{"0", "99", "-1", "nosuch", ""} {
		if _, err := Lookup(bad); err == nil {
			t.Errorf("Lookup(%q) found a demo", bad)
		}
	}
}

// TestLessonsMatchDemos checks that every demo has a lesson and step notes
// in both languages, and every lesson file belongs to a demo.
func TestLessonsMatchDemos(t *testing.T) {
	want := map[string]bool{}
	for _, d := range All() {
		name := lessons.Name(d.ID, d.Slug)
		for _, l := range lessons.Langs {
			want[l+"/"+name+".md"] = true
			want[l+"/"+name+".steps"] = true
			text, err := lessons.Lesson(l, d.ID, d.Slug)
			if err != nil {
				t.Error(err)
				continue
			}
			if !strings.HasPrefix(text, fmt.Sprintf("# %d ", d.ID)) {
				t.Errorf("%s/%s.md should start with \"# %d \"", l, name, d.ID)
			}
			if _, err := lessons.Steps(l, d.ID, d.Slug); err != nil {
				t.Error(err)
			}
		}
	}
	fs.WalkDir(lessons.FS(), ".", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && !want[p] {
			t.Errorf("%s belongs to no demo", p)
		}
		return nil
	})
}

// TestStepNotes runs every demo and checks that each key of its steps files
// names a call the demo really makes (side.op) or a step it names
// (side.step), that every step name is well formed, and that both
// languages have the same keys.
func TestStepNotes(t *testing.T) {
	for _, d := range All() {
		t.Run(d.Slug, func(t *testing.T) {
			made := stepKeys(t, d)
			var keys [2][]string
			for i, l := range lessons.Langs {
				steps, err := lessons.Steps(l, d.ID, d.Slug)
				if err != nil {
					t.Fatal(err)
				}
				for k := range steps {
					keys[i] = append(keys[i], k)
					if !made[k] {
						t.Errorf("%s/%s.steps: %s is not a call or a step the demo makes", l, lessons.Name(d.ID, d.Slug), k)
					}
				}
				slices.Sort(keys[i])
			}
			if !slices.Equal(keys[0], keys[1]) {
				t.Errorf("en and zh step notes have different keys:\n en %v\n zh %v", keys[0], keys[1])
			}
		})
	}
}

// stepName is how a demo names a step: lower-case words joined by "-".
var stepName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// stepKeys runs d in every setting of its enum knobs and returns every
// "side.op" and "side.step" key a note could have.
func stepKeys(t *testing.T, d lab.Demo) map[string]bool {
	t.Helper()
	var mu sync.Mutex
	made := map[string]bool{}
	notes := func(role lab.Role, step string, op lab.Op) (lab.Text, bool) {
		mu.Lock()
		defer mu.Unlock()
		made[string(role)+"."+op.String()] = true
		if step != "" {
			if !stepName.MatchString(step) {
				t.Errorf("step name %q is not lower-case words joined by -", step)
			}
			if _, isOp := lab.ParseOp(step); isOp {
				t.Errorf("step name %q is an op's name: its note would be ambiguous", step)
			}
			made[string(role)+"."+step] = true
		}
		return lab.Text{}, false
	}
	for _, sets := range settings(d) {
		runDemo(t, d, lab.Options{Notes: notes, Step: lab.NewStepper(strings.NewReader(""), nil, lab.En, false, 0)}, sets...)
	}
	return made
}

// settings are the knob settings a test runs a demo in: the defaults, then
// every choice of each enum knob.
func settings(d lab.Demo) [][]string {
	out := [][]string{nil}
	for _, k := range d.Knobs {
		if k.Kind != lab.KindEnum {
			continue
		}
		for _, c := range k.Choices {
			if c != k.Default {
				out = append(out, []string{k.Name + "=" + c})
			}
		}
	}
	return out
}

func runDemo(t *testing.T, d lab.Demo, opt lab.Options, sets ...string) lab.Result {
	t.Helper()
	p, err := lab.ParseParams(d.Knobs, sets)
	if err != nil {
		t.Fatal(err)
	}
	opt.Params = p
	if opt.Idle == 0 {
		opt.Idle = 30 * time.Second // the race detector and a busy machine are slow
	}
	res, err := lab.Run(context.Background(), d, opt)
	if err != nil {
		t.Fatalf("demo %s: %v", d.Name(), err)
	}
	return res
}

// TestDemosShowTheirFindings runs each demo with its defaults, several times
// for the phenomenon demos, and requires every finding to hold every time.
func TestDemosShowTheirFindings(t *testing.T) {
	for _, d := range All() {
		t.Run(d.Slug, func(t *testing.T) {
			n := runs[d.Slug]
			if n == 0 {
				n = 5
			}
			repeatDemo(t, d.Slug, n, repeat{InOrder: true})
		})
	}
}

// knobCases are knob settings whose findings must come out a known way.
var knobCases = []struct {
	demo string
	sets []string
	id   string // the finding to check
	ok   bool
}{
	{"tcp-basic", []string{"msg=hello"}, "bytes", true},
	{"udp", []string{"size=500"}, "truncated", false},
	{"udp", []string{"buf=1"}, "truncated", true},
	{"udp", []string{"count=20", "size=65507", "buf=65535"}, "boundaries", true},
	{"udp", []string{"size=0"}, "empty", true},
	{"small-buffer", []string{"buf=3"}, "split", false},
	{"small-buffer", []string{"buf=1"}, "split", true},
	{"small-buffer", []string{"buf=65536"}, "pieces", true},
	{"small-buffer", []string{"msg=你好，世界", "buf=4"}, "fix", true},
}

func TestKnobsChangeFindings(t *testing.T) {
	for _, c := range knobCases {
		t.Run(c.demo+"/"+strings.Join(c.sets, ","), func(t *testing.T) {
			d, err := Lookup(c.demo)
			if err != nil {
				t.Fatal(err)
			}
			res := runDemo(t, d, lab.Options{}, c.sets...)
			for _, f := range res.Findings {
				if f.ID == c.id {
					if f.OK != c.ok {
						t.Errorf("finding %s ok = %v, want %v: %s", f.ID, f.OK, c.ok, f.Text.En)
					}
					return
				}
			}
			t.Errorf("no finding %s in %v", c.id, res.Findings)
		})
	}
}

// TestDecodeIncrementally checks the fix of demo 3 at every split.
func TestDecodeIncrementally(t *testing.T) {
	msg := []byte(chineseHello + "abc😀")
	for size := 1; size <= len(msg); size++ {
		var pieces [][]byte
		for i := 0; i < len(msg); i += size {
			pieces = append(pieces, msg[i:min(i+size, len(msg))])
		}
		if got := strings.Join(decodeIncrementally(pieces), ""); got != string(msg) {
			t.Errorf("size %d: %q", size, got)
		}
	}
}
