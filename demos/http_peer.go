package demos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"socketlab/lab"
)

// The peer sides of demo 16 (lab serve 16, lab client 16); the demo's lab
// run sides are in http.go, the server's HTTP in httpserve.go.

// httpTry is the hint of `lab serve 16`: a one-line Python GET, or nc.
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
	case len(got) == 0 && (errors.As(err, &le) || lab.Classify(err) == lab.ClassReset || serverClosed(err)):
		return httpHead{}, nil, &lab.Verdict{ID: "no-answer",
			What: lab.Tf("request %d got no answer (%s)", "第 %d 个请求没有得到回答（%s）", n, httpEnd(err)),
			Hint: lab.T("read the request until its blank line (\\r\\n\\r\\n), then answer it; "+httpHint.En, "读取请求直到它的空行（\\r\\n\\r\\n），然后回答它；"+httpHint.Zh)}
	case bytes.Contains(got, []byte("\n\n")):
		return httpHead{}, nil, &lab.Verdict{ID: "line-ends",
			What: lab.Tf("the head of answer %d has lines that end in \\n alone: %q", "第 %d 个回答的头部有些行只以 \\n 结尾：%q", n, clip(got)),
			Hint: lab.T("HTTP ends every line with \\r\\n and the head with an empty line, \\r\\n\\r\\n; "+httpHint.En, "HTTP 的每一行都以 \\r\\n 结尾，头部以空行 \\r\\n\\r\\n 结束；"+httpHint.Zh)}
	case !bytes.HasPrefix(got, []byte("HTTP/")):
		return httpHead{}, nil, httpBadStatus(n, got)
	case errors.As(err, &le) || serverClosed(err):
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
	case err == nil || serverClosed(err):
		return "b''"
	case errors.As(err, &le):
		return fmt.Sprintf("nothing more within %v", le.Limit)
	}
	return lab.Classify(err).String()
}
