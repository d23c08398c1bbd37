package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"strconv"
	"time"

	"socketlab/demos"
	"socketlab/lab"
	"socketlab/lab/render"
)

// maxOpen is the most connections `lab serve --max` keeps open.
const maxOpen = 16384

// DefaultPeerIdle is how long `lab serve` and `lab client` wait for a real
// peer that makes no progress before they hang up on it.
const defaultPeerIdle = 30 * time.Second

// peerFlags are the flags shared by "lab serve" and "lab client".
type peerFlags struct {
	common
	sets    sets
	format  string
	full    bool
	show    string
	idle    time.Duration
	packets bool
	pcap    string
}

func (f *peerFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	fs.Var(&f.sets, "set", "knob value name=value (repeatable)")
	fs.StringVar(&f.format, "format", "text", "text, json, md or none")
	fs.BoolVar(&f.full, "full", false, "show every byte and every call instead of folding")
	fs.StringVar(&f.show, "show", "", "optional detail to show: barriers, setup, go (comma-separated)")
	fs.BoolVar(&f.packets, "packets", false, "show the segments on the wire beside the calls (capture on lo)")
	fs.StringVar(&f.pcap, "pcap", "", "also write the captured packets to this pcapng file (Wireshark, tshark)")
	fs.DurationVar(&f.idle, "idle", defaultPeerIdle, "hang up on a peer that makes no progress for this long")
}

// peerSetup is what both commands resolve before they start.
type peerSetup struct {
	demo   lab.Demo
	peer   *lab.Peer
	params lab.Params
	s      settings
	o      *output // the trace; the address and hints go to o.info
}

// setupPeer checks the demo, the knobs and the common flags of serve and client.
func (e *env) setupPeer(cmd string, pos []string, f peerFlags) (peerSetup, error) {
	var ps peerSetup
	if len(pos) != 1 {
		return ps, usage(lab.Tf("lab %s <N|slug>, e.g. lab %s 1", "lab %s <N|slug>，例如 lab %s 1", cmd, cmd),
			lab.Tf("%s needs one demo", "%s 需要指定一个演示", cmd))
	}
	d, err := lookup(pos[0], false)
	if err != nil {
		return ps, err
	}
	peer := d.Peer
	if d.Slug == "ftp" { // the homework has commands of its own
		return ps, usage(lab.Tf("lab ftp %s (lab help ftp)", "lab ftp %s（lab help ftp）", cmd),
			lab.Tf("demo 18 ftp has its own commands: lab ftp serve, lab ftp client", "演示 18 ftp 有自己的命令：lab ftp serve、lab ftp client"))
	}
	if peer == nil {
		side := map[string]string{"serve": "服务端", "client": "客户端"}[cmd]
		return ps, usage(lab.Tf("demos with a real-peer side: %s", "可以和真实对端连接的演示：%s", demos.PeerDemos()),
			lab.Text{
				En: fmt.Sprintf("demo %s has no %s side", d.Name(), cmd),
				Zh: fmt.Sprintf("演示 %s 没有可以单独运行的%s", d.Name(), side),
			})
	}
	withKnobs := d
	withKnobs.Knobs = append(append([]lab.Knob(nil), d.Knobs...), peer.Knobs...)
	p, err := lab.ParseParams(withKnobs.Knobs, f.sets)
	if err != nil {
		return ps, knobError(withKnobs, err)
	}
	if f.idle <= 0 {
		return ps, usage(lab.T("durations look like 300ms or 30s", "时长的写法如 300ms 或 30s"),
			lab.T("--idle must be positive", "--idle 必须为正数"))
	}
	show, err := parseShow(f.show)
	if err != nil {
		return ps, err
	}
	s, err := e.resolve(f.common)
	if err != nil {
		return ps, err
	}
	opts := render.Options{Lang: s.lang, Width: s.width, Color: s.color, Full: f.full, Live: s.tty, Show: show}
	o, err := e.newOutput(e.stdout, f.format, opts, formatsQuiet)
	if err != nil {
		return ps, err
	}
	return peerSetup{demo: d, peer: peer, params: p, s: s, o: o}, nil
}

// session starts the session of serve or client: its run line names the
// demo, the sink is nil for --format none, and --packets and --pcap turn
// the wire on. close closes the --pcap file.
func (ps peerSetup) session(ctx context.Context, cmd string, f peerFlags) (sess *lab.Session, close func(), err error) {
	d := ps.demo
	sess = lab.NewSession(ctx, lab.SessionOptions{Sink: ps.o.traced(), Info: &lab.RunInfo{Lab: version, Command: cmd,
		Demo: d.Slug, ID: d.ID, Title: d.Title, Brief: d.Brief, Params: ps.params.Values()}})
	return wireOn(sess, f.packets, f.pcap)
}

// wireOn turns the wire of a session on as --packets and --pcap ask.
func wireOn(sess *lab.Session, packets bool, path string) (*lab.Session, func(), error) {
	pcap, close, err := openPcap(path)
	if err != nil {
		sess.Finish()
		return nil, nil, err
	}
	if packets || pcap != nil {
		if err := sess.Packets(pcap); err != nil {
			close()
			sess.Finish()
			if pf := pcapRefused(err); pf != nil {
				return nil, nil, pf
			}
			return nil, nil, err
		}
	}
	return sess, close, nil
}

// checkAddr validates a host:port flag. The port may be 0 only where the
// kernel may pick one (--listen).
func checkAddr(flagName, addr string, zeroPort bool) (host string, err error) {
	hint := lab.T("an address looks like 127.0.0.1:9000 or [::1]:9000", "地址的写法如 127.0.0.1:9000 或 [::1]:9000")
	if flagName == "--connect" {
		hint = join(hint, lab.T(" (the address lab serve printed)", "（即 lab serve 打印出的地址）"))
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// The net package's reason ("missing port in address") stays as it is.
		return "", &usageError{hint: hint, cause: err,
			msg: lab.Tf("%s %q: %v", "%s %q 不是地址：%v", flagName, addr, err)}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || n == 0 && !zeroPort {
		return "", usage(hint, lab.Tf("%s %q: the port must be a number from 1 to 65535",
			"%s %q：端口必须是 1 到 65535 之间的数字", flagName, addr))
	}
	if flagName == "--connect" && host == "" {
		return "", usage(hint, lab.Tf("%s %q: which host?", "%s %q：缺少主机", flagName, addr))
	}
	return host, nil
}

// loopback reports whether host names this machine only.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
