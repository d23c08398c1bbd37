package demos

import (
	"encoding/json"
	"strings"

	"socketlab/demos/ftp"
	"socketlab/lab"
)

// Demo 18's findings: each reads the headers both sides sent (ftpRun), one
// short function per finding, in the order "What happened" lists them.

// ftpMsg is a request or reply header found in the trace.
type ftpMsg struct {
	e   lab.Event
	req ftp.Request
	cmd string // the request's "cmd", even when the server refused it
	rep ftp.Reply
}

// ftpHeaders returns the headers a side sent, in order: each is one
// sendall() with a length and a JSON header part.
func ftpHeaders(t lab.Trace, side lab.Role) []ftpMsg {
	var out []ftpMsg
	for _, e := range t.Calls(side, lab.OpSendAll) {
		if len(e.Marks) != 2 || e.Marks[1].Part != ftp.PartHeader {
			continue
		}
		b := e.Part(e.Marks[1])
		m := ftpMsg{e: e}
		if side == lab.Client {
			var raw struct {
				Cmd string `json:"cmd"`
			}
			json.Unmarshal(b, &raw)
			m.cmd = raw.Cmd
			m.req, _ = ftp.ParseRequest(b)
		} else {
			m.rep, _ = ftp.ParseReply(b)
		}
		out = append(out, m)
	}
	return out
}

// ftpRun is what demo 18's findings read from one trace.
type ftpRun struct {
	t          lab.Trace
	n          int   // users
	size       int64 // alice's big file
	users      []string
	reqs, reps []ftpMsg
	byUser     map[string][]ftpMsg // the server's replies by the user logged in on the connection
	loginOK    []lab.Event         // the server's 200s to a login
}

func newFTPRun(t lab.Trace, p lab.Params) *ftpRun {
	r := &ftpRun{t: t, n: p.Int("users"), size: int64(p.Int("size")),
		reqs: ftpHeaders(t, lab.Client), reps: ftpHeaders(t, lab.Server), byUser: map[string][]ftpMsg{}}
	r.users = ftpUsers[:r.n]
	for _, m := range r.reps {
		if m.e.User != "" {
			r.byUser[m.e.User] = append(r.byUser[m.e.User], m)
		}
		if m.rep.Status == ftp.StatusOK && m.rep.User != "" {
			r.loginOK = append(r.loginOK, m.e)
		}
	}
	return r
}

// ftpChecks are demo 18's findings in order.
var ftpChecks = []func(r *ftpRun) lab.Finding{
	ftpLogin, ftpTogether, ftpStored, ftpIsolated, ftpGot, ftpRefused, ftpTable, ftpResumed,
}

func ftpFindings(t lab.Trace, p lab.Params) []lab.Finding {
	r := newFTPRun(t, p)
	out := make([]lab.Finding, 0, len(ftpChecks))
	for _, c := range ftpChecks {
		out = append(out, c(r))
	}
	return out
}

// ftpLogin: every user got 200, and the password is in the bytes sent.
func ftpLogin(r *ftpRun) lab.Finding {
	var logins []lab.Event
	plain := false
	for _, m := range r.reqs {
		if m.cmd == "login" {
			logins = append(logins, m.e)
			plain = plain || strings.Contains(string(m.e.Part(m.e.Marks[1])), `"password": "`+ftpPassword(m.req.User)+`"`)
		}
	}
	return check("login", len(r.loginOK) == r.n+2 && plain, lab.Tf(
		"%d logins answered 200 (each user once, alice twice more for her big file); each login's bytes carry the password in plain text for anyone on the path to read",
		"%d 次登录都得到 200（每个用户一次，alice 为大文件又登录两次）；每次登录的字节里都有明文密码，路径上的任何人都能看到",
		len(r.loginOK))).On(logins...)
}

// ftpTogether: every user's login was answered before any user's put.
func ftpTogether(r *ftpRun) lab.Finding {
	firstPut, lastLogin := int(^uint(0)>>1), 0
	for _, m := range r.reqs {
		if m.cmd == "put" && m.e.Seq < firstPut {
			firstPut = m.e.Seq
		}
	}
	first := r.loginOK[:min(r.n, len(r.loginOK))]
	for _, e := range first {
		lastLogin = max(lastLogin, e.Seq)
	}
	lanes := map[string]bool{}
	for _, u := range r.users {
		if rs := r.byUser[u]; len(rs) > 0 {
			lanes[rs[0].e.Who] = true
		}
	}
	return check("together", len(r.loginOK) >= r.n && lastLogin < firstPut && len(lanes) == r.n, lab.Tf(
		"%d users were logged in at once, each served by a goroutine of its own, in a lane of its own ([c1 alice] …)",
		"%d 个用户同时在线，每个由自己的 goroutine 服务，在自己的一栏里（[c1 alice] ……）", r.n)).On(first...)
}

// ftpStored: every user's put was stored, the reply carrying its digests.
func ftpStored(r *ftpRun) lab.Finding {
	var stored []lab.Event
	for _, u := range r.users {
		for _, m := range r.byUser[u] {
			if m.rep.Status == ftp.StatusOK && m.rep.SHA256 != "" && m.rep.FileName == u+"-notes.txt" && m.rep.Offset == nil {
				stored = append(stored, m.e)
			}
		}
	}
	return check("stored", len(stored) == r.n, lab.Tf(
		"%d of %d puts stored, each reply carrying the md5 and sha256 the server computed; bob's used the seed's header as it is, the body right behind it",
		"%d / %d 次 put 已保存，每个回复带着服务端算出的 md5 和 sha256；bob 原样使用种子教程的报头，数据紧跟其后", len(stored), r.n)).On(stored...)
}

// ftpIsolated: every ls listed the user's own file and nothing else.
func ftpIsolated(r *ftpRun) lab.Finding {
	isolated := 0
	var ls []lab.Event
	for _, u := range r.users {
		for _, m := range r.byUser[u] {
			stored := m.rep.Status == ftp.StatusOK && m.rep.SHA256 != "" && m.rep.FileName == u+"-notes.txt" && m.rep.Offset == nil
			if stored || m.rep.Status != ftp.StatusOK || m.rep.Path != "/" || m.rep.Entries == nil {
				continue
			}
			if len(m.rep.Entries) == 1 && m.rep.Entries[0].Name == u+"-notes.txt" {
				isolated++
			}
			ls = append(ls, m.e)
		}
	}
	return check("isolated", isolated == r.n, lab.Tf(
		"every ls lists one name, the user's own file: %d home folders, none sees another", "每次 ls 只列出一个名字，即用户自己的文件：%d 个主目录，互相看不见", r.n)).On(ls...)
}

// ftpAlice sorts the server's replies to alice: her get, the get that
// tried to climb out, and the offset and the end of her resumed upload.
type ftpAlice struct {
	got, refused, offset, resumed []lab.Event
	off                           int64 // the offset the server reported, -1 if none
}

func (r *ftpRun) alice() ftpAlice {
	a := ftpAlice{off: -1}
	for _, m := range r.byUser["alice"] {
		switch {
		case m.rep.Status == ftp.StatusForbidden:
			a.refused = append(a.refused, m.e)
		case m.rep.Status == ftp.StatusOK && m.rep.FileName == "alice-notes.txt" && m.rep.Offset != nil:
			a.got = append(a.got, m.e)
		case m.rep.Status == ftp.StatusContinue && m.rep.Offset != nil && m.rep.FileName == "big.txt":
			a.offset = append(a.offset, m.e)
			a.off = *m.rep.Offset
		case m.rep.Status == ftp.StatusOK && m.rep.FileName == "big.txt" && m.rep.SHA256 != "":
			a.resumed = append(a.resumed, m.e)
		}
	}
	return a
}

func ftpGot(r *ftpRun) lab.Finding {
	got := r.alice().got
	return check("got", len(got) == 1, lab.T(
		"alice's get came back whole: the client checked the md5 and sha256 of what it received against the reply's",
		"alice 的 get 完整取回：客户端把收到内容的 md5 和 sha256 与回复里的对比，一致")).On(got...)
}

func ftpRefused(r *ftpRun) lab.Finding {
	refused := r.alice().refused
	return check("refused", len(refused) == 1, lab.T(
		"get ../bob/bob-notes.txt was refused (403): .. cannot climb above alice's home folder, and nothing of bob's was sent",
		"get ../bob/bob-notes.txt 被拒绝（403）：.. 不能越过 alice 的主目录，bob 的文件一个字节也没有发出")).On(refused...)
}

// ftpTable: bob's {"cmd": "__init__"} was answered 400 "unknown command"
// (the reply's msg is the protocol's own, what a peer reads, not a note).
func ftpTable(r *ftpRun) lab.Finding {
	var table []lab.Event
	for _, m := range r.byUser["bob"] {
		if m.rep.Status == ftp.StatusBad && strings.Contains(m.rep.Msg, "unknown command") {
			table = append(table, m.e)
		}
	}
	return check("table", len(table) == 1, lab.T(
		`{"cmd": "__init__"} was answered 400 "unknown command": the server looks a name up in its fixed table and never calls a method by the name the network sent (the seed's getattr would have)`,
		`{"cmd": "__init__"} 得到 400 "unknown command"：服务端只在固定的命令表里查名字，从不按网络发来的名字调用方法（种子教程的 getattr 就会）`)).On(table...)
}

// ftpResumed: the cut upload resumed from half way and sent only the rest.
func ftpResumed(r *ftpRun) lab.Finding {
	a := r.alice()
	sentAfter := int64(0) // the file bytes alice sent on the resumed connection
	if len(a.offset) == 2 {
		for _, e := range r.t.Calls(lab.Client, lab.OpSendAll) {
			if e.Seq > a.offset[1].Seq && len(e.Marks) == 1 && e.Marks[0].Part == ftp.PartFile {
				sentAfter += int64(e.N)
			}
		}
	}
	return check("resumed", len(a.offset) == 2 && a.off == r.size/2 && len(a.resumed) == 1 && sentAfter == r.size-a.off, lab.Tf(
		"the cut upload left %d bytes in .big.txt.part; the second put was answered 100 with offset %d, sent only the last %d bytes, and the whole file's sha256 matched",
		"被切断的上传在 .big.txt.part 里留下 %d 字节；第二次 put 得到 100，offset 为 %d，只发送了最后 %d 字节，整个文件的 sha256 一致",
		a.off, a.off, sentAfter)).On(append(a.offset, a.resumed...)...)
}
