package demos

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// httpBody is what the demo's web server answers on "/".
const httpBody = "hello, 你好\n"

// httpMaxHead limits the response head the client collects.
const httpMaxHead = 16 << 10

// httpDemo is demo 16: an application protocol on top of TCP. The client
// writes an HTTP/1.1 GET by hand, byte for byte, to the demo's web server
// (httpserve.go, traced like any demo's server) and reads the response:
// "\r\n" ends each line, an empty line ends the head, and Content-Length
// frames the body.
func httpDemo() lab.Demo {
	return lab.Demo{
		ID:    16,
		Slug:  "http",
		Title: lab.T("HTTP: a protocol on top of TCP", "HTTP：TCP 之上的协议"),
		Brief: lab.T("a raw HTTP request and response as bytes: \\r\\n ends the headers, Content-Length frames the body",
			"把 HTTP 请求和响应当作字节来看：\\r\\n 结束报头，Content-Length 划出正文"),
		Knobs: []lab.Knob{
			{Name: "path", Kind: lab.KindString, Default: "/", Min: 1, Max: 200,
				Help: lab.T("the path the client asks for; / answers hello, anything else is 404", "客户端请求的路径；/ 返回问候，其他路径返回 404")},
		},
		Server:   httpServer,
		Client:   httpClient,
		Peer:     &lab.Peer{Serve: tcpServe(httpConverse), Client: httpPeerClient, Try: httpTry},
		Findings: httpFindings,
	}
}

func httpServer(ctx context.Context, s *lab.Side) error {
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Signal("listening")
	conn, err := ln.Accept() // conn, addr = server.accept()
	if err != nil {
		return err
	}
	if err := httpConverse(s, conn); err != nil {
		return err
	}
	s.Step("stop-listening")
	return ln.Close()
}

// The parts of the request the client writes, marked in the trace.
var (
	httpMarkLine  = lab.T("request line", "请求行")
	httpMarkHdrs  = lab.T("headers", "报头")
	httpMarkBlank = lab.T("blank line: end of headers", "空行：报头结束")
)

func httpClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("listening"); err != nil {
		return err
	}
	defer s.Signal("done")
	addr := s.ServerAddr()
	conn, err := s.Dial(addr) // client.connect(('127.0.0.1', port))
	if err != nil {
		return err
	}
	if err := httpGet(s, conn, s.Params.String("path"), addr, true); err != nil {
		return err
	}

	var got []byte
	if err := httpReadHead(s, conn, &got); err != nil {
		return err
	}
	hd, err := parseHTTPHead(got)
	if err != nil {
		return err
	}
	end, length := hd.end, hd.length
	s.Note(lab.Tf("status line %q, %d header lines; the blank line \\r\\n\\r\\n ends the head at byte %d",
		"状态行 %q，%d 行报头；空行 \\r\\n\\r\\n 在第 %d 个字节处结束报头", hd.status, len(hd.lines), end))
	body := got[end:]
	if length < 0 {
		// No length: the body runs until the server closes.
		for {
			data, err := conn.Recv(1024)
			if err != nil {
				return err
			}
			if len(data) == 0 {
				break
			}
			if body = append(body, data...); len(body) > httpMaxBody {
				return errors.New("response body longer than 1 MiB")
			}
		}
		s.KeyNote("body", lab.Tf("no Content-Length: the body (%d bytes) ran until the server closed the connection",
			"没有 Content-Length：正文（%d 字节）一直持续到服务端关闭连接", len(body)))
		return conn.Close()
	}
	// The body is framed by its length: read exactly that many bytes.
	for len(body) < length {
		data, err := conn.Recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return fmt.Errorf("the server closed after %d of %d body bytes", len(body), length)
		}
		body = append(body, data...)
	}
	s.KeyNote("body", lab.Tf("Content-Length: %d, so the body is bytes %d to %d: %q; nothing in the body needs escaping",
		"Content-Length: %d，所以正文是第 %d 到第 %d 个字节：%q；正文里什么都不需要转义",
		length, end, end+length, body[:length]))
	s.Step("closed")
	if _, err := conn.Recv(1024); err != nil { // Connection: close: b''
		return err
	}
	return conn.Close()
}

// httpReadHead reads until the blank line: the head's end is a delimiter.
// The read that completes it is the key call (it may start in the read
// before). out gets what was read, the start of the body included, also
// when it fails.
func httpReadHead(s *lab.Side, conn *lab.Conn, out *[]byte) error {
	var got []byte
	defer func() { *out = got }()
	for bytes.Index(got, []byte("\r\n\r\n")) < 0 {
		tail := slices.Clip(got[max(0, len(got)-3):])
		s.KeyIf("read-head", func(e lab.Event) bool { return bytes.Contains(append(tail, e.Data...), []byte("\r\n\r\n")) })
		data, err := conn.Recv(1024) // data = client.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return fmt.Errorf("the server closed before the end of the headers (%d bytes)", len(got))
		}
		if got = append(got, data...); len(got) > httpMaxHead {
			return fmt.Errorf("response headers longer than %d bytes", httpMaxHead)
		}
	}
	return nil
}

// httpGet writes demo 16's request by hand, its parts marked: the request
// line, the headers (Connection: close when closing), the blank line.
func httpGet(s *lab.Side, conn *lab.Conn, path, host string, closing bool) error {
	line := "GET " + path + " HTTP/1.1\r\n"
	headers := "Host: " + host + "\r\nUser-Agent: socketlab\r\n"
	if closing {
		headers += "Connection: close\r\n"
	}
	req := []byte(line + headers + "\r\n")
	a, b := len(line), len(line)+len(headers)
	s.Key("request")
	return conn.SendParts(req, // client.sendall(b'GET / HTTP/1.1\r\nHost: ...\r\n\r\n')
		lab.Mark{From: 0, To: a, Label: httpMarkLine},
		lab.Mark{From: a, To: b, Label: httpMarkHdrs},
		lab.Mark{From: b, To: len(req), Label: httpMarkBlank})
}

// httpResponse splits the client's received bytes into head lines (the
// status line first) and body.
func httpResponse(t lab.Trace) (lines []string, body []byte, length int, ok bool) {
	got := t.Calls(lab.Client, lab.OpRecv).Bytes()
	hd, err := parseHTTPHead(got)
	if err != nil {
		return nil, nil, 0, false
	}
	return append([]string{hd.status}, hd.lines...), got[hd.end:], hd.length, true
}

func httpFindings(t lab.Trace, p lab.Params) []lab.Finding {
	sent := t.Calls(lab.Client, lab.OpSendAll).Bytes()
	reqOK := bytes.HasPrefix(sent, []byte("GET "+p.String("path")+" HTTP/1.1\r\n")) && bytes.HasSuffix(sent, []byte("\r\n\r\n"))
	request := check("request", reqOK, lab.Tf(
		"the request is plain text the client wrote itself: %d bytes, every line ending in \\r\\n and an empty line at the end",
		"请求是客户端自己写出的纯文本：%d 个字节，每行以 \\r\\n 结尾，最后是一个空行", len(sent))).At("request")

	lines, body, length, ok := httpResponse(t)
	allCRLF := ok && len(lines) > 1 && strings.HasPrefix(lines[0], "HTTP/1.1 ")
	status := ""
	if allCRLF {
		status = lines[0]
	}
	head := check("delimiter", allCRLF, lab.Tf(
		"the response head is %d lines, each ended by \\r\\n, from %q on; the first empty line (\\r\\n\\r\\n) ends it: a delimiter, so the reader had to look at every byte to find it",
		"响应头有 %d 行，从 %q 开始，每行以 \\r\\n 结尾；第一个空行（\\r\\n\\r\\n）结束响应头：这是分隔符，读取方必须逐字节查找它",
		len(lines), status)).At("read-head")
	frame := check("length", ok && length >= 0 && len(body) == length && bytes.Equal(body, []byte(httpBody)) == (p.String("path") == "/"), lab.Tf(
		"Content-Length: %d framed the body: exactly %d bytes followed the blank line, then the server closed (Connection: close)",
		"Content-Length: %d 划出了正文：空行之后正好有 %d 个字节，然后服务端关闭了连接（Connection: close）",
		length, len(body))).At("body", "closed")
	if ok && length < 0 {
		frame.Text = lab.Tf("no Content-Length in this response (%q): its %d-byte body ran until the server closed, so only the close marked its end",
			"这个响应（%q）没有 Content-Length：%d 字节的正文一直持续到服务端关闭，只有关闭连接才标出了它的结尾", status, len(body))
	}
	return []lab.Finding{request, head, frame}
}

// An httpHead is the head of an HTTP response, as demo 16's client reads it.
type httpHead struct {
	status string   // the status line, such as "HTTP/1.1 200 OK"
	lines  []string // the header lines after it
	end    int      // where the body starts: after the blank line
	length int      // Content-Length, or -1 when there is none
}

// httpMaxBody is the longest body demo 16's client reads.
const httpMaxBody = 1 << 20

// errNoBlankLine says that the bytes so far hold no complete head.
var errNoBlankLine = errors.New("no blank line yet")

// parseHTTPHead reads the head of an HTTP response from the start of got:
// lines that end in "\r\n" (read with wire.ReadLine), the first of them
// the status line, up to the first empty line. Content-Length, if given,
// must be decimal digits and at most httpMaxBody; a second one must say
// the same. It returns errNoBlankLine while got holds no empty line yet.
func parseHTTPHead(got []byte) (httpHead, error) {
	h := httpHead{length: -1}
	r := bufio.NewReader(bytes.NewReader(got))
	for {
		line, err := wire.ReadLine(r, httpMaxHead)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return h, errNoBlankLine
		}
		if err != nil {
			return h, fmt.Errorf("response head: %w", err)
		}
		if h.end += len(line) + 2; h.end > httpMaxHead {
			return h, fmt.Errorf("response head longer than %d bytes", httpMaxHead)
		}
		if len(line) == 0 {
			if h.status == "" {
				return h, errors.New("response head: an empty line where the status line should be")
			}
			return h, nil
		}
		if h.status == "" {
			h.status = string(line)
			continue
		}
		h.lines = append(h.lines, string(line))
		name, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || !strings.EqualFold(string(name), "Content-Length") {
			continue
		}
		v = bytes.Trim(v, " \t")
		n, err := strconv.Atoi(string(v))
		if len(v) == 0 || len(v) > 7 || bytes.ContainsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) || err != nil || n > httpMaxBody {
			return h, fmt.Errorf("bad Content-Length %q: want decimal digits, at most %d", clip(v), httpMaxBody)
		}
		if h.length >= 0 && n != h.length {
			return h, fmt.Errorf("two Content-Length headers, %d and %d", h.length, n)
		}
		h.length = n
	}
}

// The peer sides (lab serve, lab client).

func httpTry(host, port string) []string {
	return []string{
		fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); s.sendall(b'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n'); print(s.recv(4096))"`, host, port, host),
		fmt.Sprintf("nc %s %s", host, port),
	}
}

// httpPatience is how long `lab client 16` waits for more of a response
// it was promised (by Content-Length, or by Connection: close) before it
// names the likely bug.
const httpPatience = 3 * time.Second

// httpHint is how a response is laid out, the fix of most head bugs.
var httpHint = lab.T(`a response is "HTTP/1.1 200 OK\r\n", header lines each ending in \r\n (Content-Length: the body's length in bytes), an empty line "\r\n", then the body`,
	`响应的格式是 "HTTP/1.1 200 OK\r\n"，然后是每行以 \r\n 结尾的报头（Content-Length：正文的字节数），一个空行 "\r\n"，然后是正文`)

// httpLengthHint: Content-Length counts bytes.
var httpLengthHint = lab.T(`Content-Length counts the body's bytes, not its characters: len(body.encode('utf-8')) ('你好' is 6 bytes)`,
	`Content-Length 数的是正文的字节，不是字符：len(body.encode('utf-8'))（'你好' 是 6 个字节）`)

// httpPeerClient is demo 16's client against any web server: a GET with
// the connection kept open (HTTP/1.1's default), then a GET with
// Connection: close, after which the server must close. Each response
// must have a status line, a head ended by a blank line, and a body of
// exactly Content-Length bytes.
func httpPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
	path := s.Params.String("path")
	conn, err := dialPeer(s, opt) // client.connect((host, port))
	if err != nil {
		return err
	}
	s.Section(lab.T("request 1: the connection stays open after it (HTTP/1.1's default)", "第 1 个请求：之后连接保持打开（HTTP/1.1 的默认做法）"))
	if err := httpGet(s, conn, path, opt.Addr, false); err != nil {
		return err
	}
	hd, extra, err := httpPeerResponse(s, conn, 1, path, opt)
	if err != nil {
		return err
	}
	saysClose := httpSaysClose(hd)
	if saysClose || len(extra) > 0 {
		if err := httpExpectClose(s, conn, 1, hd, extra, saysClose, opt); err != nil {
			return err
		}
		s.Note(lab.T("the server said Connection: close and closed: request 2 goes on a new connection", "服务端说了 Connection: close 并且关闭了：第 2 个请求使用新的连接"))
		conn.Close()
		if conn, err = dialPeer(s, opt); err != nil {
			return err
		}
	}
	s.Section(lab.T("request 2: Connection: close, so the server must close after its answer", "第 2 个请求：Connection: close，服务端回答之后必须关闭"))
	if err := httpGet(s, conn, path, opt.Addr, true); err != nil {
		return err
	}
	hd, extra, err = httpPeerResponse(s, conn, 2, path, opt)
	if err != nil && !saysClose && lab.Classify(err) != lab.ClassTimeout {
		var v *lab.Verdict
		if errors.As(err, &v) && v.ID == "no-answer" {
			// The server closed after request 1 without saying so: a
			// client cannot tell, so say it, and ask again on a new connection.
			s.Note(lab.T("the server closed after one answer without saying Connection: close; a client that keeps the connection for its next request finds it gone (send Connection: close when you close); request 2 goes on a new connection",
				"服务端回答一次就关闭了，却没有说 Connection: close；想在这个连接上发下一个请求的客户端会发现它已经断了（关闭时请发 Connection: close）；第 2 个请求使用新的连接"))
			conn.Close()
			if conn, err = dialPeer(s, opt); err != nil {
				return err
			}
			if err := httpGet(s, conn, path, opt.Addr, true); err != nil {
				return err
			}
			hd, extra, err = httpPeerResponse(s, conn, 2, path, opt)
		}
	}
	if err != nil {
		return err
	}
	s.Step("closed")
	if err := httpExpectClose(s, conn, 2, hd, extra, true, opt); err != nil {
		return err
	}
	s.Note(lab.T("both answers were well formed, each body exactly Content-Length bytes, and the server closed when asked to",
		"两个回答都符合格式，每个正文都正好是 Content-Length 个字节，服务端也在被要求时关闭了连接"))
	return conn.Close()
}

// httpSaysClose reports whether a response head has Connection: close.
func httpSaysClose(hd httpHead) bool {
	for _, l := range hd.lines {
		name, v, _ := strings.Cut(l, ":")
		if strings.EqualFold(strings.TrimSpace(name), "Connection") && strings.EqualFold(strings.TrimSpace(v), "close") {
			return true
		}
	}
	return false
}

// httpPeerResponse reads response n: its head, then its body by
// Content-Length. It returns the bytes that came after the body, and a
// Verdict naming what is wrong with the response.
func httpPeerResponse(s *lab.Side, conn *lab.Conn, n int, path string, opt lab.PeerOptions) (httpHead, []byte, error) {
	var got []byte
	done := patient(conn, httpPatience, opt) // an answer comes at once, or never
	err := httpReadHead(s, conn, &got)
	done()
	var le *lab.LimitError
	switch {
	case err == nil:
	case len(got) == 0 && (errors.As(err, &le) || lab.Classify(err) == lab.ClassReset || strings.Contains(err.Error(), "closed before")):
		return httpHead{}, nil, &lab.Verdict{ID: "no-answer",
			What: lab.Tf("request %d got no answer (%s)", "第 %d 个请求没有得到回答（%s）", n, httpEnd(err)),
			Hint: lab.T("read the request until its blank line (\\r\\n\\r\\n), then answer it; "+httpHint.En, "读取请求直到它的空行（\\r\\n\\r\\n），然后回答它；"+httpHint.Zh)}
	case bytes.Contains(got, []byte("\n\n")):
		return httpHead{}, nil, &lab.Verdict{ID: "line-ends",
			What: lab.Tf("the head of answer %d has lines that end in \\n alone: %q", "第 %d 个回答的头部有些行只以 \\n 结尾：%q", n, clip(got)),
			Hint: lab.T("HTTP ends every line with \\r\\n and the head with an empty line, \\r\\n\\r\\n; "+httpHint.En, "HTTP 的每一行都以 \\r\\n 结尾，头部以空行 \\r\\n\\r\\n 结束；"+httpHint.Zh)}
	case !bytes.HasPrefix(got, []byte("HTTP/")):
		return httpHead{}, nil, httpBadStatus(n, got)
	case errors.As(err, &le) || strings.Contains(err.Error(), "closed before"):
		return httpHead{}, nil, &lab.Verdict{ID: "head-end",
			What: lab.Tf("answer %d has no blank line after its headers (%s after %d bytes: %q)", "第 %d 个回答的报头后面没有空行（%s，在 %d 字节之后：%q）", n, httpEnd(err), len(got), clip(got)),
			Hint: lab.T("end the head with an empty line: the last header's \\r\\n, then one more \\r\\n; "+httpHint.En, "用一个空行结束头部：最后一行报头的 \\r\\n 之后再加一个 \\r\\n；"+httpHint.Zh)}
	default:
		return httpHead{}, nil, err
	}
	hd, err := parseHTTPHead(got)
	if err != nil {
		return hd, nil, &lab.Verdict{ID: "head", What: lab.Tf("answer %d: %v", "第 %d 个回答：%v", n, err), Hint: httpHint}
	}
	if !httpStatusLine(hd.status) {
		return hd, nil, httpBadStatus(n, got)
	}
	if code := hd.status[9:12]; path == "/" && code != "200" {
		return hd, nil, &lab.Verdict{ID: "status", What: lab.Tf("GET / got %q", "GET / 得到了 %q", hd.status),
			Hint: lab.T("answer GET / with 200 OK and a body", "对 GET / 应当回答 200 OK 和一个正文")}
	}
	body := got[hd.end:]
	if hd.length < 0 {
		rest, err := recvUntilEOF(conn, httpMaxBody)
		if err != nil {
			return hd, nil, err
		}
		return hd, nil, &lab.Verdict{ID: "no-length",
			What: lab.Tf("answer %d (%q) has no Content-Length: its body (%d bytes) ended only when the server closed the connection", "第 %d 个回答（%q）没有 Content-Length：它的正文（%d 字节）直到服务端关闭连接才结束", n, hd.status, len(body)+len(rest)),
			Hint: lab.T("send Content-Length with the body's length in bytes, so the client knows where the body ends without a close; "+httpLengthHint.En, "发送 Content-Length，写上正文的字节数，客户端不用等关闭就知道正文在哪里结束；"+httpLengthHint.Zh)}
	}
	done = patient(conn, httpPatience, opt)
	for len(body) < hd.length {
		data, err := conn.Recv(1024) // data = client.recv(1024)
		if err != nil || len(data) == 0 {
			done()
			if err != nil && !errors.As(err, &le) {
				return hd, nil, err
			}
			return hd, nil, &lab.Verdict{ID: "length-too-big",
				What: lab.Tf("Content-Length of answer %d says %d, but %d body bytes came, then %s", "第 %d 个回答的 Content-Length 是 %d，但只来了 %d 个正文字节，然后是 %s", n, hd.length, len(body), httpEnd(err)),
				Hint: httpLengthHint}
		}
		body = append(body, data...)
	}
	done()
	s.KeyNote("body", lab.Tf("answer %d: %q, Content-Length: %d, and %d body bytes after the blank line", "第 %d 个回答：%q，Content-Length: %d，空行之后有 %d 个正文字节", n, hd.status, hd.length, hd.length))
	return hd, body[hd.length:], nil
}

// httpExpectClose reads after answer n, whose extra bytes came after its
// body: the server must close, sending nothing more.
func httpExpectClose(s *lab.Side, conn *lab.Conn, n int, hd httpHead, extra []byte, asked bool, opt lab.PeerOptions) error {
	var err error
	if len(extra) == 0 {
		done := patient(conn, httpPatience, opt)
		extra, err = recvReply(conn, 1)
		done()
	}
	var le *lab.LimitError
	switch {
	case len(extra) > 0:
		return &lab.Verdict{ID: "length-too-small",
			What: lab.Tf("Content-Length of answer %d says %d, but more bytes followed the body: %q", "第 %d 个回答的 Content-Length 是 %d，但正文后面还有字节：%q", n, hd.length, clip(extra)),
			Hint: httpLengthHint}
	case errors.As(err, &le) && asked:
		return &lab.Verdict{ID: "no-close",
			What: lab.Tf("request %d said Connection: close, but the server kept the connection open for %v after its answer", "第 %d 个请求说了 Connection: close，但服务端回答之后 %v 仍然保持连接", n, httpPatience),
			Hint: lab.T("after answering a request with Connection: close, close the connection (conn.close()): the client may be waiting for it",
				"回答带 Connection: close 的请求之后要关闭连接（conn.close()）：客户端可能正在等它")}
	case err != nil && lab.Classify(err) != lab.ClassReset:
		return err
	}
	return nil
}

// httpStatusLine reports whether line is "HTTP/1.x NNN reason".
func httpStatusLine(line string) bool {
	return len(line) >= 12 && (strings.HasPrefix(line, "HTTP/1.1 ") || strings.HasPrefix(line, "HTTP/1.0 ")) &&
		line[9] >= '1' && line[9] <= '5' && line[10] >= '0' && line[10] <= '9' && line[11] >= '0' && line[11] <= '9' &&
		(len(line) == 12 || line[12] == ' ')
}

func httpBadStatus(n int, got []byte) error {
	return &lab.Verdict{ID: "status-line",
		What: lab.Tf("answer %d starts with %q, not a status line such as HTTP/1.1 200 OK", "第 %d 个回答以 %q 开头，而不是 HTTP/1.1 200 OK 这样的状态行", n, clip(got)),
		Hint: httpHint}
}

// httpEnd says how a read ended: the peer's close, a reset, or a limit.
func httpEnd(err error) string {
	var le *lab.LimitError
	switch {
	case err == nil || strings.Contains(err.Error(), "closed before"):
		return "b''"
	case errors.As(err, &le):
		return fmt.Sprintf("nothing more within %v", le.Limit)
	}
	return lab.Classify(err).String()
}
