package exercise

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/grade"
)

// Options say how to run the learner's program.
type Options struct {
	Args    []string       // the program and its arguments ({host}, {port} replaced)
	Dir     string         // its working folder
	Env     []string       // its environment; nil is the lab's
	Port    int            // --port: where a server listens, or where the lab listens for a client; 0 = found / chosen
	Wait    time.Duration  // for a server to listen (--wait); 0 = grade.DefaultWait
	Timeout time.Duration  // each case (--timeout); 0 = DefaultTimeout
	OnWait  func()         // called once while a server is slow to listen
	OnNote  func(lab.Text) // something the learner should know before the cases (a TIME_WAIT on --port)
	OnCase  func(Result)   // called as each case ends

	work string // Exercise.Setup's folder
}

// T is what a case gets: the lab's traced side and where the program is.
type T struct {
	Side    *lab.Side
	Addr    string // server exercises: where to connect (the program, or the proxy in front of it)
	Timeout time.Duration
	Dir     string // the program's working folder
	Work    string // the lab's folder for the check (Exercise.Setup), "" if none
	ctx     context.Context
	stop    context.CancelFunc // ends the case's session: the lab's sockets close
	sess    *lab.Session
	prog    *grade.Program
}

// Context ends when the case's time is up or the check is interrupted.
func (t *T) Context() context.Context { return t.ctx }

// Dial connects to the program, each later call limited by the case's timeout.
func (t *T) Dial() (*lab.Conn, error) {
	c, err := t.Side.DialTimeout(t.Addr, t.Timeout)
	if err != nil {
		return nil, err
	}
	c.SetIdle(t.Timeout)
	return c, nil
}

// Peer runs demo n's own client side (`lab client n`) against the program,
// with the knobs given as name=value.
func (t *T) Peer(n int, sets ...string) error {
	d := demoOf(n)
	p, err := lab.ParseParams(append(append([]lab.Knob(nil), d.Knobs...), d.Peer.Knobs...), sets)
	if err != nil {
		return err
	}
	side := t.Side
	side.Params = p
	return d.Peer.Client(t.ctx, side, lab.PeerOptions{Addr: t.Addr, Idle: t.Timeout, Timeout: t.Timeout, Dir: t.Dir})
}

func demoOf(n int) lab.Demo {
	for _, d := range demos.All() {
		if d.ID == n {
			return d
		}
	}
	panic(fmt.Sprintf("exercise: no demo %d", n))
}

// Check runs the program through every case of the exercise.
func Check(ctx context.Context, e Exercise, o Options) Report {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	r := Report{Slug: e.Slug}
	if e.Role == Server {
		checkServer(ctx, e, o, &r)
	} else {
		checkClient(ctx, e, o, &r)
	}
	r.settle(ctx)
	return r
}

func (o Options) command(port int, stdin string) grade.Command {
	c := grade.Command{Args: o.Args, Dir: o.Dir, Env: o.Env, Port: port, Tail: 4 << 20}
	if stdin != "" {
		c.Stdin = []byte(stdin)
	}
	return c
}

// checkServer starts the program once, finds where it listens, and runs
// every case against it; once it has ended, later cases are not run.
func checkServer(ctx context.Context, e Exercise, o Options, r *Report) {
	port := o.Port
	if port == 0 {
		p, err := grade.FreePort()
		if err != nil {
			r.Message = lab.Tf("no free port for your program: %v", "找不到给你的程序用的空闲端口：%v", err)
			return
		}
		port = p
	}
	if st, err := grade.CheckPort(port); err == nil && len(st.Taken) > 0 {
		r.Message = lab.Tf("port %d is already taken (%v): stop that program first, or give another --port",
			"端口 %d 已被占用（%v）：先停掉那个程序，或者换一个 --port", port, st.Taken[0])
		return
	} else if err == nil && st.TimeWait > 0 && o.OnNote != nil {
		o.OnNote(lab.Tf("port %d has %d TIME_WAIT entries for %v more: a server that binds it without SO_REUSEADDR fails (\"Address already in use\") until then",
			"端口 %d 还有 %d 个 TIME_WAIT 条目，还要 %v：不设置 SO_REUSEADDR 就绑定它的服务端在此之前会失败（\"Address already in use\"）",
			port, st.TimeWait, st.Expires.Round(time.Second)))
	}
	if e.Setup != nil {
		work, err := setup(e, &o)
		if err != nil {
			r.Message = lab.Tf("the lab could not prepare its folder: %v", "实验台无法准备它的文件夹：%v", err)
			return
		}
		defer os.RemoveAll(work)
	}
	prog, err := grade.Start(ctx, o.command(port, ""))
	if err != nil {
		r.Message = lab.Tf("could not run your program: %v", "无法运行你的程序：%v", err)
		r.Message.Zh = fmt.Sprintf("无法运行你的程序：%v", err)
		return
	}
	defer prog.Stop()
	sock, err := prog.WaitListening(ctx, grade.Listen{Proto: e.Proto, Port: o.Port, Timeout: o.Wait, OnWait: o.OnWait})
	if err != nil {
		r.Message, r.Output = startFailure(err, e.Proto, port)
		return
	}
	addr := sock.Addr().String()
	var stuck lab.Text // the program spins: later cases cannot be served
	told := false      // the output of an ended program was shown
	for _, c := range e.Cases {
		if ctx.Err() != nil {
			return
		}
		ex, ended := prog.Exit()
		switch {
		case ended && !prog.Alive():
			res := Result{ID: c.ID, Name: c.Name, Status: StatusError,
				Message: lab.Tf("not run: your program had ended (%v)", "没有运行：你的程序已经结束（%v）", ex)}
			if !told {
				res.Output, told = tailString(prog.Output().Both), true
			}
			r.add(res, o)
			continue
		case !stuck.IsZero():
			r.add(Result{ID: c.ID, Name: c.Name, Status: StatusError, Message: stuck}, o)
			continue
		}
		m := prog.Mark()
		res := runCase(ctx, c, o, lab.Client, prog, func(t *T) error { t.Addr = proxied(t, c, addr); return c.Client(t) })
		// A server with nothing to do waits; one that spins or ends broke.
		if err := prog.CheckIdle(ctx, idleWatch); err != nil && ctx.Err() == nil {
			msg, hint := afterFailure(err)
			if res.Status == StatusPass || errors.Is(err, grade.ErrSpinning) {
				res.Status, res.Message, res.Hint = StatusFail, msg, hint
			}
			if errors.Is(err, grade.ErrSpinning) {
				stuck = lab.T("not run: your program is stuck in a loop that uses the CPU all the time", "没有运行：你的程序卡在一个一直占用 CPU 的循环里")
			}
		}
		res.Output = tailString(prog.Since(m).Both)
		if _, ended := prog.Exit(); ended && res.Output != "" {
			told = true
		}
		r.add(res, o)
	}
}

// setup makes the exercise's folder inside the program's working folder
// and puts its paths into the program's command and environment.
func setup(e Exercise, o *Options) (string, error) {
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	work, err := os.MkdirTemp(dir, ".lab-"+e.Slug+"-")
	if err != nil {
		return "", err
	}
	if work, err = filepath.Abs(work); err != nil {
		os.RemoveAll(work)
		return "", err
	}
	vars, err := e.Setup(work)
	if err != nil {
		os.RemoveAll(work)
		return "", err
	}
	var pairs []string
	if o.Env == nil {
		o.Env = os.Environ()
	}
	o.Env = slices.Clone(o.Env)
	for _, v := range vars {
		pairs = append(pairs, "{"+v.Name+"}", v.Value)
		o.Env = append(o.Env, v.Env+"="+v.Value)
	}
	r := strings.NewReplacer(pairs...)
	args := make([]string, len(o.Args))
	for i, a := range o.Args {
		args[i] = r.Replace(a)
	}
	o.Args, o.work = args, work
	return work, nil
}

// idleWatch is how long a server is watched after each case: long enough
// that a spinning one shows on a busy machine.
const idleWatch = 250 * time.Millisecond

// checkClient runs the program once per case, against the lab's server.
func checkClient(ctx context.Context, e Exercise, o Options, r *Report) {
	for _, c := range e.Cases {
		if ctx.Err() != nil {
			return
		}
		res := runCase(ctx, c, o, lab.Server, nil, func(t *T) error { return clientCase(t, c, o, e.Stdin) })
		r.add(res, o)
		if res.Status == StatusError && res.fatal {
			r.Message = res.Message
			return
		}
	}
}

// clientCase listens, starts the program, serves its connection, waits
// for it to end and compares its stdout.
func clientCase(t *T, c Case, o Options, stdin string) error {
	laddr := "127.0.0.1:0"
	if o.Port != 0 {
		laddr = "127.0.0.1:" + strconv.Itoa(o.Port)
	}
	addr, served, err := serveOne(t, c, laddr)
	if err != nil {
		return &setupError{lab.Tf("the lab cannot listen on %s: %v", "实验台无法在 %s 上监听：%v", laddr, err)}
	}
	addr = proxied(t, c, addr)
	_, port, _ := net.SplitHostPort(addr)
	pn, _ := strconv.Atoi(port)
	prog, err := grade.Start(t.ctx, o.command(pn, stdin))
	if err != nil {
		return &setupError{lab.Tf("could not run your program: %v", "无法运行你的程序：%v", err)}
	}
	t.prog = prog
	defer prog.Stop()
	exit, err := prog.Wait(t.ctx, t.Timeout+time.Second)
	out := prog.Output()
	t.stop() // a server still waiting for the program ends
	serr := <-served
	var f *grade.Failure
	switch {
	case errors.As(err, &f) && f.Spinning():
		return failHint(lab.Tf("your client was still running after %v, using the CPU all the time", "%v 之后你的客户端还在运行，而且一直占着 CPU", f.Waited.Round(time.Second)),
			lab.T("it probably loops on recv() returning b'': that means the server has closed, so break out of the loop (if not data: break)", "它多半在 recv() 返回 b'' 时不停循环：这表示服务端已经关闭，这时要跳出循环（if not data: break）"))
	case errors.As(err, &f):
		return &Mismatch{What: lab.Tf("your client was still running after %v, waiting", "%v 之后你的客户端还在运行，在等待", f.Waited.Round(time.Second)),
			Want: []byte(c.Want), Got: out.Stdout}
	case err != nil:
		return err
	case c.Judge != nil:
		return c.Judge(out.Stdout)
	case exit.Code != 0 || exit.Signal != 0:
		return &Mismatch{What: lab.Tf("your client ended with %v", "你的客户端以 %v 结束", exit), Want: []byte(c.Want), Got: out.Stdout}
	case errors.Is(serr, errNoClient):
		return failHint(lab.T("your client never connected", "你的客户端始终没有连接"),
			lab.T("connect to LAB_HOST:LAB_PORT (or the {host} {port} arguments)", "连接到 LAB_HOST:LAB_PORT（或参数 {host} {port}）"))
	}
	if !bytes.Equal(out.Stdout, []byte(c.Want)) {
		what := lab.T("your client printed something else", "你的客户端打印的内容不对")
		if serr != nil {
			what = join(what, lab.Tf(" (the lab's side: %v)", "（实验台这一端：%v）", serr))
		}
		return &Mismatch{What: what, Want: []byte(c.Want), Got: out.Stdout}
	}
	return nil
}

// errNoClient: the program ended without connecting.
var errNoClient = errors.New("no client connected")

// serveOne starts the lab's server for one connection: the demo's own
// (Peer.Serve) or the case's. served gets its end.
func serveOne(t *T, c Case, laddr string) (addr string, served chan error, err error) {
	served = make(chan error, 1)
	if c.Peer != 0 {
		d := demoOf(c.Peer)
		p, err := lab.ParseParams(append(append([]lab.Knob(nil), d.Knobs...), d.Peer.Knobs...), c.Sets)
		if err != nil {
			return "", nil, err
		}
		side := t.Side
		side.Params = p
		ready := make(chan string, 1)
		var accepted atomic.Bool
		go func() {
			st, err := d.Peer.Serve(t.ctx, side, lab.PeerOptions{Addr: laddr, Count: 1, Idle: t.Timeout, Dir: t.Dir,
				Ready: func(a net.Addr) { ready <- a.String() }})
			accepted.Store(st.Conns > 0)
			if err == nil && st.Failed > 0 {
				err = errors.New("the lab's server found the connection broken (see the trace)")
			}
			if !accepted.Load() {
				err = errNoClient
			}
			served <- err
			close(ready)
		}()
		a, ok := <-ready
		if !ok {
			return "", nil, <-served
		}
		return a, served, nil
	}
	ln, err := t.Side.ListenWith(laddr, lab.ListenOptions{Reuse: true, Setup: true})
	if err != nil {
		return "", nil, err
	}
	context.AfterFunc(t.ctx, func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			served <- errNoClient
			return
		}
		conn.SetIdle(t.Timeout)
		err = c.Serve(t, conn)
		if err == nil {
			err = conn.Close()
		} else {
			conn.Close()
		}
		served <- err
	}()
	return ln.Addr().String(), served, nil
}

// proxied starts the case's proxy in front of addr, if it has one, and
// returns where to connect.
func proxied(t *T, c Case, addr string) string {
	if !c.proxied() {
		return addr
	}
	px := t.sess.Side(lab.Proxy, lab.Params{})
	ln, err := px.ListenWith("127.0.0.1:0", lab.ListenOptions{Setup: true})
	if err != nil {
		return addr
	}
	o := c.Proxy
	o.Upstream = addr
	go px.Proxy(ln, o, nil)
	context.AfterFunc(t.ctx, func() { ln.Close() })
	return ln.Addr().String()
}

// setupError is the lab failing, not the program: the check cannot go on.
type setupError struct{ msg lab.Text }

func (e *setupError) Error() string { return e.msg.En }
