package lab

import (
	"context"
	"fmt"
	"regexp"
)

// Demo is one numbered lesson of the catalogue: two programs that run
// against each other over real sockets, and the findings that check what
// their trace must show.
type Demo struct {
	ID    int
	Slug  string
	Title Text
	Brief Text // what it teaches, in one line
	Knobs []Knob

	Server func(ctx context.Context, s *Side) error
	Client func(ctx context.Context, s *Side) error

	// Findings reads the finished trace and says what happened.
	Findings func(t Trace, p Params) []Finding

	// Peer is the demo's side facing real programs (lab serve, lab client,
	// lab check), nil if it has none.
	Peer *Peer
}

// Finding is one checked statement about a run: ok when the phenomenon the
// demo teaches really happened. Its evidence are the events that prove it:
// Events by seq, and Steps by the names the demo gave its calls
// (Side.Key). The views put the markers of those events (①) before it.
type Finding struct {
	ID     string
	OK     bool
	Text   Text
	Events []int    // seqs of the events it is about
	Steps  []string // step names it is about (every event with that name)
}

// On returns f with the events es added to its evidence.
func (f Finding) On(es ...Event) Finding {
	for _, e := range es {
		if e.Seq > 0 {
			f.Events = append(f.Events, e.Seq)
		}
	}
	return f
}

// At returns f with every event of the named steps added to its evidence.
func (f Finding) At(steps ...string) Finding {
	f.Steps = append(f.Steps, steps...)
	return f
}

// Name is "N slug", how the demo is named in messages.
func (d Demo) Name() string { return fmt.Sprintf("%d %s", d.ID, d.Slug) }

var slugPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Check reports what is wrong with d's declaration, or nil.
func (d Demo) Check() error {
	switch {
	case d.ID <= 0:
		return fmt.Errorf("demo %q: id %d is not positive", d.Slug, d.ID)
	case !slugPattern.MatchString(d.Slug):
		return fmt.Errorf("demo %d: slug %q is not lower-case words joined by -", d.ID, d.Slug)
	case d.Title.En == "" || d.Title.Zh == "" || d.Brief.En == "" || d.Brief.Zh == "":
		return fmt.Errorf("demo %s: title and brief need both languages", d.Name())
	case d.Server == nil || d.Client == nil || d.Findings == nil:
		return fmt.Errorf("demo %s: needs server, client and findings funcs", d.Name())
	}
	for _, k := range d.Knobs {
		if k.Help.En == "" || k.Help.Zh == "" {
			return fmt.Errorf("demo %s: knob %s needs help in both languages", d.Name(), k.Name)
		}
		if _, err := k.Parse(k.Default); err != nil {
			return fmt.Errorf("demo %s: knob default: %w", d.Name(), err)
		}
	}
	return nil
}
