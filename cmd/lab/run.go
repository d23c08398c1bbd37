package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/capture"
	"socketlab/lab/render"
	"socketlab/lessons"
	"strings"
	"time"

	"golang.org/x/term"
)

// runFlags are the flags of "lab run".
type runFlags struct {
	common
	step    bool
	slow    time.Duration
	sets    sets
	format  string
	check   bool
	full    bool
	show    string
	save    string
	packets bool
	pcap    string
	timeout time.Duration
	typing  bool     // a learner at a terminal can type into demos that ask (chat)
	keys    lab.Keys // where step and --slow keys come from; nil: lines from stdin
	web     webFlag  // --web[=ADDR]: the run on a page too (web.go)
	page    *page
}

// register adds the flags of "lab run" to fs.
func (f *runFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	fs.BoolVar(&f.step, "step", false, "stop before each socket call")
	fs.DurationVar(&f.slow, "slow", 0, "pause before each socket call, e.g. 300ms")
	fs.Var(&f.sets, "set", "knob value name=value (repeatable)")
	fs.StringVar(&f.format, "format", "text", "text, json, md, svg or html")
	fs.BoolVar(&f.check, "check", false, "exit 1 when a finding does not hold")
	fs.BoolVar(&f.full, "full", false, "show every byte and every call instead of folding")
	fs.StringVar(&f.show, "show", "", "optional detail to show: barriers, setup, go (comma-separated)")
	fs.StringVar(&f.save, "save", "", "also save the JSON trace to this file, for lab replay")
	fs.BoolVar(&f.packets, "packets", false, "show the segments on the wire beside the calls (capture on lo)")
	fs.StringVar(&f.pcap, "pcap", "", "also write the captured packets to this pcapng file (Wireshark, tshark)")
	fs.DurationVar(&f.timeout, "timeout", lab.DefaultIdle, "give up when no socket call finishes for this long")
	fs.Var(&f.web, "web", "also show the run in a browser: --web, or --web=ADDR")
}

// runCmd is "lab run": one demo, or all of them, each with its trace.
func (e *env) runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var f runFlags
	f.register(fs)
	if in, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(in.Fd())) {
		f.typing = true
	}
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	list, params, show, err := f.demos(pos)
	if err != nil {
		return err
	}
	s, err := e.resolve(f.common)
	if err != nil {
		return err
	}
	if (f.packets || f.pcap != "") && e.netns != nil && !inNetns() && !capture.Probe().OK {
		if code, ok := e.netns(e.args, e.stdin, e.stdout, e.stderr); ok {
			return exitStatus(code)
		}
	}
	o, err := e.newOutput(e.stdout, f.format, render.Options{Lang: s.lang, Width: s.width, Color: s.color, Full: f.full, Live: s.tty, Show: show}, formatsRun)
	if err != nil {
		return err
	}
	end, err := e.runOutputs(&f, s, o)
	defer end()
	if err != nil {
		return err
	}
	pcap, closePcap, err := openPcap(f.pcap)
	if err != nil {
		return err
	}
	defer closePcap()
	return e.runAll(list, params, f, s, o, pcap)
}

// demos checks the arguments and flags of lab run and returns the demos
// to run, their knobs and the --show list.
func (f *runFlags) demos(pos []string) ([]lab.Demo, []lab.Params, []string, error) {
	if len(pos) != 1 {
		return nil, nil, nil, usage(lab.T("lab run <N|slug|all>, e.g. lab run 1", "lab run <N|slug|all>，例如 lab run 1"),
			lab.T("run needs one demo", "run 需要指定一个演示"))
	}
	if f.slow < 0 {
		return nil, nil, nil, usage(lab.T("durations look like 300ms or 2s", "时长的写法如 300ms 或 2s"),
			lab.Tf("--slow %v: must not be negative", "--slow %v：不能为负数", f.slow))
	}
	if f.timeout <= 0 {
		return nil, nil, nil, usage(lab.T("durations look like 300ms or 2s", "时长的写法如 300ms 或 2s"),
			lab.Tf("--timeout %v: must be positive", "--timeout %v：必须为正数", f.timeout))
	}
	show, err := parseShow(f.show)
	if err != nil {
		return nil, nil, nil, err
	}
	list := demos.All()
	if pos[0] != "all" {
		d, err := lookup(pos[0], true)
		if err != nil {
			return nil, nil, nil, err
		}
		list = []lab.Demo{d}
	} else if len(f.sets) > 0 {
		return nil, nil, nil, usage(lab.T("set knobs when running one demo", "只有运行单个演示时才能设置参数"),
			lab.T("--set cannot be used with all", "--set 不能和 all 一起使用"))
	}
	params := make([]lab.Params, len(list))
	for i, d := range list {
		p, err := lab.ParseParams(d.Knobs, f.sets)
		if err != nil {
			return nil, nil, nil, knobError(d, err)
		}
		params[i] = p
	}
	return list, params, show, nil
}

// runOutputs adds what lab run shows besides its trace: the saved trace
// (--save), the page (--web), the keys of a terminal (--step, --slow).
// end undoes them; it is never nil.
func (e *env) runOutputs(f *runFlags, s settings, o *output) (end func(), err error) {
	var ends []func()
	end = func() {
		for _, f := range slices.Backward(ends) {
			f()
		}
	}
	if f.save != "" {
		if o.sink, err = saving(o.sink, f.save, s.lang); err != nil {
			return end, err
		}
	}
	if f.web.on {
		if f.page, err = e.startPage("run", f.web, false, s, o.info); err != nil {
			return end, err
		}
		ends = append(ends, f.page.close)
		o.sink = f.page.wrap(o.sink)
	}
	if in, ok := e.stdin.(*os.File); ok && f.typing && (f.step || f.slow > 0) {
		// One key press each, not a line: cbreak mode until the runs end.
		keys, restore := lab.TermKeys(in, o.out)
		ends = append(ends, restore)
		f.keys = keys
	}
	return end, nil
}

// runAll runs the demos one after the other into the output.
func (e *env) runAll(list []lab.Demo, params []lab.Params, f runFlags, s settings, o *output, pcap io.Writer) error {
	failed := false
	for i, d := range list {
		ok, err := e.runOne(d, params[i], f, s, o.out, o.sink, pcap)
		if errors.Is(err, lab.ErrQuit) {
			o.sink.Finish()
			fmt.Fprintln(e.stderr, lab.T("lab: stopped; sockets closed.", "lab：已停止；套接字已关闭。").In(s.lang))
			return e.stopped(f.check)
		}
		if err != nil {
			o.sink.Finish()
			if pf := pcapRefused(err); pf != nil {
				return pf
			}
			return fmt.Errorf("demo %s: %w", d.Name(), err)
		}
		failed = failed || !ok
	}
	o.sink.Finish()
	f.page.wait(e.ctx, e.stderr, s.lang)
	if f.check && failed {
		return &failError{quiet: true}
	}
	return nil
}

// openPcap creates the --pcap file, if one was asked for; close closes it.
func openPcap(path string) (w io.Writer, close func(), err error) {
	if path == "" {
		return nil, func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, &usageError{cause: err, msg: lab.Tf("--pcap %s: %v", "--pcap %s：%v", path, err),
			hint: lab.T("--pcap names a file to write, in a folder that exists", "--pcap 后面是要写入的文件，所在的文件夹必须存在")}
	}
	return f, func() { f.Close() }, nil
}

// pcapRefused is the failure of --pcap without the privilege to capture
// (exit 1, with the setcap command that fixes it), or nil for another error.
func pcapRefused(err error) error {
	pe := (*capture.PrivilegeError)(nil)
	if !errors.As(err, &pe) {
		return nil
	}
	return &failure{cause: err, msg: lab.T("--pcap: this user may not capture packets", "--pcap：这个用户没有抓包的权限"),
		hint: lab.Tf("run as root, or give the binary the right once: %s (go run never has it)",
			"以 root 运行，或者给程序一次授权：%s（go run 永远没有这个权限）", pe.Command())}
}

// parseShow checks a --show list: barriers, setup, go.
func parseShow(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	valid := []string{lab.DetailBarriers, lab.DetailSetup, lab.DetailGo}
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(valid, s) {
			return nil, usage(lab.T("--show barriers, setup or go, or several: --show barriers,setup",
				"--show barriers、setup 或 go，也可以几个一起：--show barriers,setup"),
				lab.Tf("unknown --show %q", "未知的 --show 值 %q", s))
		}
		out = append(out, s)
	}
	return out, nil
}

// runOne runs one demo into the sink and returns whether all its findings
// held.
func (e *env) runOne(d lab.Demo, p lab.Params, f runFlags, s settings, out io.Writer, sk sink, pcap io.Writer) (bool, error) {
	var step *lab.Stepper
	if f.step || f.slow > 0 {
		// Announcements go with the text trace; with JSON or Markdown on
		// stdout they go to stderr so the trace stays machine-readable.
		text, isText := textOf(sk)
		var promptOut io.Writer = out
		if !isText {
			promptOut = e.stderr
		}
		keys := f.keys
		if keys == nil {
			keys = lab.LineKeys(e.stdin)
		}
		step = lab.NewStepperKeys(f.page.keys(keys), promptOut, s.lang, f.step, f.slow)
		if isText {
			step.Show = text.Announce
		}
		step.Show = f.page.show(step.Show)
	}
	ctx, end := f.page.runContext(e.ctx, f.step)
	defer end()
	var ls lab.Sink = sk
	if _, none := sk.(noSink); none {
		ls = nil
	}
	res, err := lab.Run(ctx, d, lab.Options{
		Params: p, Sink: ls, Step: step, Notes: stepNotes(d, s.lang), Idle: f.timeout, Input: typed(e.stdin, f.typing),
		Keep: lab.Keep{All: f.full}, Lab: version, Packets: f.packets, Pcap: pcap, InNetns: inNetns(),
	})
	if err != nil {
		return false, err
	}
	return res.OK, nil
}

// stepNotes looks up a demo's step notes: "side.step" for a call the demo
// named, then "side.op". A note is found in language l and given in both
// languages where both have it (the web page may show the other).
func stepNotes(d lab.Demo, l lab.Lang) lab.NoteFunc {
	notes, err := lessons.Steps(string(l), d.ID, d.Slug)
	if err != nil {
		return nil
	}
	other := lab.En
	if l == lab.En {
		other = lab.Zh
	}
	theirs, _ := lessons.Steps(string(other), d.ID, d.Slug)
	return func(role lab.Role, step string, op lab.Op) (lab.Text, bool) {
		keys := []string{string(role) + "." + op.String()}
		if step != "" {
			keys = append([]string{string(role) + "." + step}, keys...)
		}
		for _, k := range keys {
			if t, ok := notes[k]; ok {
				o, ok := theirs[k]
				if !ok {
					o = t
				}
				if l == lab.En {
					return lab.T(t, o), true
				}
				return lab.T(o, t), true
			}
		}
		return lab.Text{}, false
	}
}

// typed is the input a demo may read the learner's lines from: stdin when
// a learner sits at a terminal, else nil (demos then use their scripts).
func typed(stdin io.Reader, typing bool) io.Reader {
	if !typing {
		return nil
	}
	return stdin
}
