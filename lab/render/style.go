package render

import (
	"github.com/fatih/color"

	"socketlab/lab"
)

// style colours a piece of text; nil means the lane's colour.
type style = *color.Color

// The palette is read on a projector, on dark and on light backgrounds
// alike: mid-tone 256-colour hues (no yellow, which vanishes on white, no
// dark blue, which vanishes on black), nothing faint, and bold for errors
// and key calls. Without colour every cue is still there in the text: the
// marker ①, the doubled arrow ══▶ of a key call, ✗ and ✓.
type palette struct {
	sides   map[lab.Role]style
	bad     style // errors: bold red
	good    style // a finding that held
	warn    style // a finding that did not hold, a short send, a cut datagram
	heading style // bold
	key     style // a key call's marker and arrow: bold
}

// xterm-256 colours that keep contrast on black and on white.
const (
	c256Red     = 160 // #d70000
	c256Blue    = 32  // #0087d7
	c256Magenta = 127 // #af00af
	c256Teal    = 30  // #008787
	c256Green   = 28  // #008700
	c256Orange  = 166 // #d75f00
)

func newPalette(on bool) palette {
	mk := func(attrs ...color.Attribute) style {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	fg := func(n color.Attribute, more ...color.Attribute) style {
		return mk(append([]color.Attribute{38, 5, n}, more...)...)
	}
	return palette{
		sides: map[lab.Role]style{
			lab.Client: fg(c256Red),
			lab.Server: fg(c256Blue),
			lab.Proxy:  fg(c256Magenta),
			lab.System: fg(c256Teal),
			lab.Wire:   fg(c256Teal),
		},
		bad:     fg(c256Red, color.Bold),
		good:    fg(c256Green),
		warn:    fg(c256Orange),
		heading: mk(color.Bold),
		key:     mk(color.Bold),
	}
}

// side is the colour of a role's lane.
func (p palette) side(r lab.Role) style {
	if c, ok := p.sides[r]; ok {
		return c
	}
	return p.sides[lab.System]
}
