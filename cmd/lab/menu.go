package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/menu"
	"socketlab/lab/render"
	"socketlab/lessons"
)

// isMenuFlag reports whether arg is one of the flags bare "lab" takes
// (--lang, --color, --width), so that "lab --lang zh" opens the menu.
func isMenuFlag(arg string) bool {
	if !strings.HasPrefix(arg, "-") {
		return false
	}
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return name == "lang" || name == "color" || name == "width"
}

// menu is bare "lab": the interactive menu when stdin and stdout are both
// terminals, otherwise the list of demos and a hint (exit 0).
func (e *env) menu(args []string) error {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	var c common
	c.register(fs)
	pos, err := e.parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		var lang []string
		if c.lang != "" {
			lang = []string{"--lang=" + c.lang}
		}
		return e.help(lang)
	}
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(lab.T("put flags after the command, e.g. lab run 1 --lang zh", "选项要放在命令后面，例如 lab run 1 --lang zh"),
			lab.Tf("unexpected argument %q", "多余的参数 %q", pos[0]))
	}
	s, err := e.resolve(c)
	if err != nil {
		return err
	}
	in, ok := e.terminalIn()
	if !ok || !s.tty {
		if err := writeList(e.stdout, s); err != nil {
			return err
		}
		_, err := fmt.Fprintln(e.stderr, lab.T("lab: hint: the menu needs a terminal; use the commands above",
			"lab: hint: 菜单需要在终端中运行；请使用上面的命令").In(s.lang))
		return err
	}
	return e.interact(in, c, s)
}

// terminalIn returns stdin when stdin and stdout are both terminals: on
// anything else promptui reads EOF or blocks.
func (e *env) terminalIn() (*os.File, bool) {
	in, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return nil, false
	}
	out, ok := e.stdout.(*os.File)
	return in, ok && term.IsTerminal(int(out.Fd()))
}

// interact runs the menu until the learner quits, then leaves the terminal
// as it found it (even when something panics).
func (e *env) interact(in *os.File, c common, s settings) (err error) {
	t, err := menu.Open(e.ctx, in, e.stdout)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, t.Close()) }()
	t.Lang, t.Color = s.lang, s.color
	if c.width > 0 {
		size := t.Size
		t.Size = func() (int, int) { _, rows := size(); return c.width, rows }
	}
	m := &session{e: e, t: t, s: s, params: map[int]lab.Params{}}
	if err := m.demos(); !errors.Is(err, menu.ErrQuit) {
		return err
	}
	return nil
}

// session is one sitting at the menu: the knob values the learner chose
// are kept per demo until they quit.
type session struct {
	e      *env
	t      *menu.Terminal
	s      settings
	params map[int]lab.Params // by demo id
}

// choice is a menu item and what choosing it does; a nil do goes back.
type choice struct {
	item menu.Item
	do   func() error
}

// pick shows choices until one with a nil do is chosen, or the learner goes
// back (Esc, Backspace, ←, q below the top level). top is the top level,
// where q quits.
func (m *session) pick(top bool, title func() string, choices func() []choice) error {
	cursor := 0
	for {
		cs := choices()
		items := make([]menu.Item, len(cs))
		for i, c := range cs {
			items[i] = c.item
		}
		i, err := m.t.Select(menu.Menu{Title: title(), Items: items, Cursor: cursor, Top: top})
		if errors.Is(err, menu.ErrBack) {
			return nil
		}
		if err != nil {
			return err
		}
		if cs[i].do == nil {
			return nil
		}
		cursor = i
		if err := cs[i].do(); err != nil {
			return err
		}
	}
}

func (m *session) text(en, zh string) string { return lab.T(en, zh).In(m.s.lang) }

// demos is the top menu: the catalogue, then Quit.
func (m *session) demos() error {
	all := demos.All()
	idw := len(strconv.Itoa(len(all)))
	if len(all) > 0 {
		idw = len(strconv.Itoa(all[len(all)-1].ID))
	}
	err := m.pick(true, func() string { return m.text("Socket Lab — choose a demo", "Socket Lab — 选择一个演示") },
		func() []choice {
			var cs []choice
			for _, d := range all {
				cs = append(cs, choice{
					item: menu.Item{Label: fmt.Sprintf("%*d  %s", idw, d.ID, d.Title.In(m.s.lang)), Detail: d.Brief.In(m.s.lang), Number: d.ID},
					do:   func() error { return m.demo(d) },
				})
			}
			return append(cs, choice{item: menu.Item{
				Label:  m.text("Quit", "退出"),
				Detail: m.text("leave the lab (q, Ctrl-C and Ctrl-D quit too)", "离开 Socket Lab（也可按 q、Ctrl-C 或 Ctrl-D）"),
			}})
		})
	if err == nil {
		err = menu.ErrQuit // Quit was chosen
	}
	return err
}

// demo is one demo's menu: run it, step through it, change its knobs, read
// its lesson.
func (m *session) demo(d lab.Demo) error {
	same := func(cmd string) string { return m.text("same as: ", "等同于：") + cmd }
	return m.pick(false, func() string { return fmt.Sprintf("%d %s — %s", d.ID, d.Slug, d.Title.In(m.s.lang)) },
		func() []choice {
			run := runCommand(d, m.paramsOf(d))
			cs := []choice{
				{menu.Item{Label: m.text("Run", "运行"), Detail: same(run)}, func() error { return m.run(d, false) }},
				{menu.Item{Label: m.text("Run step by step", "单步运行"), Detail: same(run + " --step")},
					func() error { return m.run(d, true) }},
			}
			if len(d.Knobs) > 0 {
				cs = append(cs, choice{menu.Item{Label: m.text("Change its knobs", "修改参数"), Detail: m.knobSummary(d)},
					func() error { return m.knobs(d) }})
			}
			return append(cs,
				choice{menu.Item{Label: m.text("Read its lesson", "阅读讲解"), Detail: same(fmt.Sprintf("lab lesson %d", d.ID))},
					func() error { return m.lesson(d) }},
				choice{item: menu.Item{Label: m.text("Back", "返回"),
					Detail: m.text("back to the list of demos (Esc, ←, Backspace and q go back too)", "返回演示列表（也可按 Esc、←、退格键或 q）")}},
			)
		})
}

// paramsOf returns the knob values chosen for d so far, the defaults at first.
func (m *session) paramsOf(d lab.Demo) lab.Params {
	if p, ok := m.params[d.ID]; ok {
		return p
	}
	p, _ := lab.ParseParams(d.Knobs, nil) // no values to set: it cannot fail
	m.params[d.ID] = p
	return p
}

// run runs d the way "lab run" does on a cleared screen, keeping what it
// prints, then waits for Enter; a run longer than the screen can be read
// again in the pager (p). In step mode the keys are lines (Enter, c, q)
// read in cooked mode; q ends the run, not the lab.
func (m *session) run(d lab.Demo, step bool) error {
	in, err := m.t.Lines()
	if err != nil {
		return err
	}
	s := m.s
	s.width, _ = m.t.Size()
	e := *m.e
	e.stdin = in
	f := runFlags{step: step, format: "text", timeout: lab.DefaultIdle, typing: true}
	m.t.Clear()
	kept := &transcript{}
	out := &lockedWriter{w: io.MultiWriter(e.stdout, kept)}
	sk := render.NewText(out, render.Options{Lang: s.lang, Width: s.width, Color: s.color, Live: s.tty})
	_, err = e.runOne(d, m.paramsOf(d), f, s, out, sk, nil)
	sk.Finish()
	in.Close()
	switch {
	case m.e.ctx.Err() != nil: // Ctrl-C: a signal in cooked mode
		fmt.Fprintln(e.stdout)
		return menu.ErrQuit
	case errors.Is(err, lab.ErrQuit):
		fmt.Fprintln(e.stderr, m.text("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。"))
	case err != nil:
		fmt.Fprintf(e.stderr, "lab: error: %s%v\n", lab.Tf("demo %s: ", "演示 %s：", d.Name()).In(m.s.lang), err)
	}
	return m.again(kept)
}

// again waits for Enter after a run; when the run did not fit on the
// screen, p shows it again in the pager, from its first line.
func (m *session) again(kept *transcript) error {
	text := kept.Text(m.s.lang)
	io.WriteString(m.e.stdout, "\n") // cooked: a blank line under the run
	for {
		cols, rows := m.t.Size()
		if menu.TextRows(text, cols) <= rows-2 {
			_, err := m.t.Ask(m.text("Press Enter to return to the menu.", "按回车键返回菜单。"), "")
			return err
		}
		k, err := m.t.Ask(m.text("Enter: back to the menu · p: read the run again in the pager",
			"回车：返回菜单 · p：在分页器中重看本次运行"), "pP")
		if err != nil || k == 0 {
			return err
		}
		if _, err := m.t.Page(text, m.e.pager(), 0); err != nil {
			return err
		}
	}
}

// lesson shows d's lesson on a cleared screen, wrapped to the terminal's
// width now: in the pager when it is longer than the screen (back to the
// menu when the learner leaves it), else printed, and then it waits for
// Enter.
func (m *session) lesson(d lab.Demo) error {
	if err := m.t.Cooked(); err != nil {
		return err
	}
	text, err := lessons.Lesson(string(m.s.lang), d.ID, d.Slug)
	if err != nil {
		fmt.Fprintf(m.e.stderr, "lab: error: %v\n", err)
	} else {
		cols, _ := m.t.Size()
		m.t.Clear()
		paged, err := m.t.Page(styleMarkdown(render.Reflow(text, cols), m.s), m.e.pager(), 2)
		if paged || err != nil {
			return err
		}
		io.WriteString(m.e.stdout, "\n")
	}
	_, err = m.t.Ask(m.text("Press Enter to return to the menu.", "按回车键返回菜单。"), "")
	return err
}

// knobs lists d's knobs with their values; choosing one asks for a value.
func (m *session) knobs(d lab.Demo) error {
	return m.pick(false, func() string { return m.text("Knobs of ", "参数：") + d.Name() },
		func() []choice {
			p := m.paramsOf(d)
			var cs []choice
			for _, k := range d.Knobs {
				label := fmt.Sprintf("%s = %s   (%s)", k.Name, showValue(k, p), k.RangeIn(m.s.lang))
				cs = append(cs, choice{menu.Item{Label: label, Detail: k.Help.In(m.s.lang)},
					func() error { return m.edit(d, k) }})
			}
			return append(cs,
				choice{menu.Item{Label: m.text("Reset to the defaults", "恢复默认值"), Detail: m.knobSummary(d)},
					func() error { delete(m.params, d.ID); return nil }},
				choice{item: menu.Item{Label: m.text("Back", "返回"), Detail: runCommand(d, p)}},
			)
		})
}

// edit asks for a new value of k until Params.Set accepts it.
func (m *session) edit(d lab.Demo, k lab.Knob) error {
	p := m.paramsOf(d)
	v, err := m.t.Input(menu.Field{
		Intro: []string{
			k.Name + " — " + k.Help.In(m.s.lang),
			fmt.Sprintf(m.text("valid: %s · Enter alone keeps %s", "有效值：%s · 直接回车保留 %s"), k.RangeIn(m.s.lang), showValue(k, p)),
		},
		Label: k.Name,
		Value: p.String(k.Name),
		Check: func(v string) error { return m.check(d, p, k, v) },
	})
	if err != nil {
		return err
	}
	if err := p.Set(k.Name, v); err != nil {
		return fmt.Errorf("knob %s: %w", k.Name, err)
	}
	m.params[d.ID] = p
	return nil
}

// check tries v on a copy of p with Params.Set, and says what is wrong in
// the learner's language.
func (m *session) check(d lab.Demo, p lab.Params, k lab.Knob, v string) error {
	trial, err := lab.ParseParams(d.Knobs, p.Sets())
	if err == nil {
		err = trial.Set(k.Name, v)
	}
	if err == nil {
		return nil
	}
	return errors.New(errText(err).In(m.s.lang))
}

// knobSummary lists d's knobs and values in one line.
func (m *session) knobSummary(d lab.Demo) string {
	p := m.paramsOf(d)
	var parts []string
	for _, k := range d.Knobs {
		parts = append(parts, k.Name+"="+showValue(k, p))
	}
	return strings.Join(parts, "  ")
}

// showValue is a knob's value as a learner reads it: text quoted, sizes
// with their unit.
func showValue(k lab.Knob, p lab.Params) string {
	v := p.String(k.Name)
	switch k.Kind {
	case lab.KindString:
		return strconv.Quote(v)
	case lab.KindSize:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return lab.FormatSize(n)
		}
	}
	return v
}

// runCommand is the "lab run" command line that does what the menu does.
func runCommand(d lab.Demo, p lab.Params) string {
	cmd := fmt.Sprintf("lab run %d", d.ID)
	for _, s := range p.Sets() {
		cmd += " --set " + shellQuote(s)
	}
	return cmd
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	safe := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("=-_.,:/+@%", r)
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !safe(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
