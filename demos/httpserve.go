package demos

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"socketlab/lab"
)

// Demo 16's web server, written once for `lab run 16` and `lab serve 16`:
// HTTP/1.1 over the lab's traced sockets, so every byte of a request
// (a browser's, curl's, a learner's client's) shows in the server's lane.
// It reads a request head with recv(1024) until the blank line, at most
// httpMaxReqHead bytes, parses it strictly (request line, header names,
// Content-Length), answers GET and HEAD of "/" with a body framed by
// Content-Length, 404 elsewhere, and keeps the connection open for the
// next request unless the client said "Connection: close" (or spoke
// HTTP/1.0 without keep-alive). A request it cannot parse gets 400 without
// a Content-Length, then a close, as Go's net/http answers one.

// httpMaxReqHead limits the request head the server collects.
const httpMaxReqHead = 8 << 10

// httpNotFound is the body of a 404, as Go's net/http writes it.
const httpNotFound = "404 page not found\n"

// An httpRequest is a parsed request head.
type httpRequest struct {
	method, target, version string
	lines                   []string // the header lines, as sent
	host                    bool     // a Host header came
	close                   bool     // the connection ends after the answer
	length                  int      // Content-Length of the request's body, 0 when none
	bareLF                  bool     // some line ended in \n alone
}

// httpBadRequest is a request the server refuses: the status it answers.
type httpBadRequest struct {
	status string // "400 Bad Request"
	why    string
}

func (e *httpBadRequest) Error() string { return e.why }

// httpTokenChar reports whether c may appear in a method or a header name
// (RFC 9110's tchar).
func httpTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune("\"(),/:;<=>?@[\\]{}", rune(c))
}

func httpToken(s string) bool {
	for i := range len(s) {
		if !httpTokenChar(s[i]) {
			return false
		}
	}
	return s != ""
}

// httpHeadEnd returns where the head in got ends (just after its blank
// line), or -1 while there is none yet. A line may end in \r\n or in \n
// alone (what nc sends when a person types).
func httpHeadEnd(got []byte) int {
	for at := 0; ; {
		i := bytes.IndexByte(got[at:], '\n')
		if i < 0 {
			return -1
		}
		line := got[at : at+i]
		at += i + 1
		if len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			if at <= 2 { // a blank line before the request line: RFC 9112 lets a server skip it
				continue
			}
			return at
		}
	}
}

// parseHTTPRequest parses a request head (up to and including its blank
// line). Bad input is an *httpBadRequest naming what is wrong.
func parseHTTPRequest(head []byte) (httpRequest, error) {
	var r httpRequest
	got, bareLF, err := httpHeadLines(head)
	r.bareLF = bareLF
	if err != nil {
		return r, err
	}
	if err := r.parseRequestLine(got[0]); err != nil {
		return r, err
	}
	r.close = r.version == "HTTP/1.0"
	r.length = -1
	for _, l := range got[1:] {
		r.lines = append(r.lines, l)
		if err := r.parseHeader(l); err != nil {
			return r, err
		}
	}
	if r.version == "HTTP/1.1" && !r.host {
		return r, badRequest("400 Bad Request", "no Host header: HTTP/1.1 requires one")
	}
	r.length = max(r.length, 0)
	return r, nil
}

// badRequest is the *httpBadRequest a parse error answers with.
func badRequest(status, f string, args ...any) error {
	return &httpBadRequest{status: status, why: fmt.Sprintf(f, args...)}
}

// httpHeadLines splits a head into its lines, without their line ends and
// without the blank line that ends the head; at least the request line is
// there. bareLF says a line ended in \n alone.
func httpHeadLines(head []byte) (got []string, bareLF bool, err error) {
	text := string(head)
	lines := strings.SplitAfter(text, "\n")
	for _, l := range lines {
		if l == "" {
			continue
		}
		if !strings.HasSuffix(l, "\r\n") {
			bareLF = true
		}
		l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
		if strings.ContainsAny(l, "\r\x00") {
			return nil, bareLF, badRequest("400 Bad Request", "a bare \\r or a NUL byte inside a line")
		}
		got = append(got, l)
	}
	for len(got) > 0 && got[0] == "" { // blank lines before the request line
		got = got[1:]
	}
	if len(got) == 0 || got[len(got)-1] != "" {
		return nil, bareLF, badRequest("400 Bad Request", "the head does not end with an empty line")
	}
	got = got[:len(got)-1]
	if len(got) == 0 {
		return nil, bareLF, badRequest("400 Bad Request", "no request line")
	}
	return got, bareLF, nil
}

// parseRequestLine reads "METHOD TARGET VERSION".
func (r *httpRequest) parseRequestLine(line string) error {
	parts := strings.Split(line, " ")
	if len(parts) != 3 {
		return badRequest("400 Bad Request", "the request line %q is not METHOD TARGET VERSION, separated by one space each", clip([]byte(line)))
	}
	r.method, r.target, r.version = parts[0], parts[1], parts[2]
	switch {
	case !httpToken(r.method):
		return badRequest("400 Bad Request", "the method %q is not a token", clip([]byte(r.method)))
	case r.target == "" || strings.ContainsFunc(r.target, func(c rune) bool { return c <= ' ' || c == 0x7f }):
		return badRequest("400 Bad Request", "the target %q is empty or holds a space or a control character", clip([]byte(r.target)))
	case !strings.HasPrefix(r.version, "HTTP/") || len(r.version) != 8 || r.version[6] != '.':
		return badRequest("400 Bad Request", "the version %q is not HTTP/1.1", clip([]byte(r.version)))
	case r.version != "HTTP/1.1" && r.version != "HTTP/1.0":
		return badRequest("505 HTTP Version Not Supported", "the version %s is not HTTP/1.1 or HTTP/1.0", r.version)
	}
	return nil
}

// parseHeader reads one header line, "Name: value": the ones the server
// acts on are Host, Connection, Content-Length and Transfer-Encoding.
func (r *httpRequest) parseHeader(l string) error {
	name, value, ok := strings.Cut(l, ":")
	if !ok || !httpToken(name) {
		return badRequest("400 Bad Request", "the header line %q is not Name: value", clip([]byte(l)))
	}
	value = strings.Trim(value, " \t")
	switch strings.ToLower(name) {
	case "host":
		if r.host {
			return badRequest("400 Bad Request", "two Host headers")
		}
		r.host = true
	case "connection":
		for _, o := range strings.Split(value, ",") { // HTTP/1.0 closes, keep-alive or not
			if strings.EqualFold(strings.TrimSpace(o), "close") {
				r.close = true
			}
		}
	case "content-length":
		n, err := strconv.Atoi(value)
		if err != nil || value == "" || len(value) > 7 || strings.ContainsFunc(value, func(c rune) bool { return c < '0' || c > '9' }) {
			return badRequest("400 Bad Request", "bad Content-Length %q", clip([]byte(value)))
		}
		if n > httpMaxBody {
			return badRequest("413 Content Too Large", "a body of %d bytes; this server takes at most %d", n, httpMaxBody)
		}
		if r.length >= 0 && n != r.length {
			return badRequest("400 Bad Request", "two Content-Length headers, %d and %d", r.length, n)
		}
		r.length = n
	case "transfer-encoding":
		return badRequest("501 Not Implemented", "Transfer-Encoding %q: this server reads only bodies framed by Content-Length", clip([]byte(value)))
	}
	return nil
}

// The parts of a response the server writes, marked in the trace.
var (
	httpMarkStatus = lab.T("status line", "状态行")
	httpMarkBody   = lab.T("body", "正文")
)

// httpResponseBytes lays out a response: the status line, the headers (a
// Content-Length when length >= 0), the blank line, then the body (none
// for HEAD), with the marks of its parts.
func httpResponseBytes(status string, headers []string, body []byte, head bool) ([]byte, []lab.Mark) {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + status + "\r\n")
	a := b.Len()
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	c := b.Len()
	b.WriteString("\r\n")
	d := b.Len()
	if !head {
		b.Write(body)
	}
	marks := []lab.Mark{{From: 0, To: a, Label: httpMarkStatus}, {From: a, To: c, Label: httpMarkHdrs}, {From: c, To: d, Label: httpMarkBlank}}
	if b.Len() > d {
		marks = append(marks, lab.Mark{From: d, To: b.Len(), Label: httpMarkBody})
	}
	return b.Bytes(), marks
}

// httpDate is the Date header's format (RFC 9110's IMF-fixdate).
const httpDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// httpConverse serves one connection: requests until the client closes,
// asks to close, or sends what the server cannot parse.
func httpConverse(s *lab.Side, conn *lab.Conn) error {
	var got []byte // what was read beyond the requests answered
	for served := 0; ; served++ {
		end, err := readRequestHead(s, conn, &got, served)
		if end < 0 {
			return err
		}
		req, err := parseHTTPRequest(got[:end])
		if err != nil {
			var br *httpBadRequest
			if errors.As(err, &br) {
				return httpRefuse(s, conn, br)
			}
			return err
		}
		got = got[end:]
		s.Note(lab.Tf("request %d: %q, %d header lines; the blank line ends the head at byte %d",
			"第 %d 个请求：%q，%d 行报头；空行在第 %d 个字节处结束请求头", served+1, req.method+" "+req.target+" "+req.version, len(req.lines), end))
		if req.bareLF {
			s.Note(lab.T("some lines end in \\n alone (nc does that): HTTP wants \\r\\n; this server accepts it, some reject it (nc -C sends \\r\\n)",
				"有些行只以 \\n 结尾（nc 就是这样）：HTTP 要求 \\r\\n；这个服务端接受，有些服务端会拒绝（nc -C 会发 \\r\\n）"))
		}
		// The request's body, if any, is read and dropped: the next request
		// starts after it.
		for len(got) < req.length {
			data, err := conn.Recv(1024)
			if err != nil {
				return err
			}
			if len(data) == 0 {
				return conn.Close()
			}
			got = append(got, data...)
		}
		got = got[req.length:]

		resp, marks := httpResponseBytes(httpAnswer(req))
		s.Step("response")
		if err := conn.SendParts(resp, marks...); err != nil { // conn.sendall(response)
			return err
		}
		if req.close {
			s.Note(lab.T("the request said Connection: close (or was HTTP/1.0): the server closes after its answer",
				"请求里写了 Connection: close（或者是 HTTP/1.0）：服务端回答之后就关闭连接"))
			return conn.Close()
		}
		s.Note(lab.T("HTTP/1.1 keeps the connection open: the server waits for the next request on it",
			"HTTP/1.1 会保持连接：服务端在这个连接上等下一个请求"))
	}
}

// readRequestHead reads into got until it holds a whole request head and
// returns where the head ends; -1 once the connection is over (the client
// closed, or a head too long was refused), with the error that ends it.
func readRequestHead(s *lab.Side, conn *lab.Conn, got *[]byte, served int) (int, error) {
	end := httpHeadEnd(*got)
	for end < 0 {
		if len(*got) > httpMaxReqHead {
			return -1, httpRefuse(s, conn, &httpBadRequest{status: "431 Request Header Fields Too Large",
				why: fmt.Sprintf("no blank line in the first %d bytes", httpMaxReqHead)})
		}
		s.Step("read-request")
		data, err := conn.Recv(1024) // data = conn.recv(1024)
		if err != nil {
			return -1, err
		}
		if len(data) == 0 {
			if len(*got) > 0 {
				s.Note(lab.Tf("the client closed in the middle of a request head (%d bytes, no blank line yet)",
					"客户端在请求头中途关闭了（%d 字节，还没有空行）", len(*got)))
			} else if served > 0 {
				s.Note(lab.T("recv returned b'': the client closed the kept-alive connection; the server closes too",
					"recv 返回 b''：客户端关闭了保持着的连接；服务端也关闭"))
			}
			return -1, conn.Close()
		}
		*got = append(*got, data...)
		end = httpHeadEnd(*got)
	}
	return end, nil
}

// httpAnswer is the response to a request: its status, headers and body,
// and whether it answers a HEAD (no body sent).
func httpAnswer(req httpRequest) (status string, headers []string, body []byte, head bool) {
	status, body = "200 OK", []byte(httpBody)
	headers = []string{"Content-Type: text/plain; charset=utf-8"}
	switch {
	case req.method != "GET" && req.method != "HEAD":
		status, body = "405 Method Not Allowed", []byte("405 method not allowed\n")
		headers = append(headers, "Allow: GET, HEAD")
	case req.target != "/":
		status, body = "404 Not Found", []byte(httpNotFound)
		headers = append(headers, "X-Content-Type-Options: nosniff")
	}
	headers = append(headers, "Date: "+time.Now().UTC().Format(httpDate), "Content-Length: "+strconv.Itoa(len(body)))
	if req.close {
		headers = append(headers, "Connection: close")
	}
	return status, headers, body, req.method == "HEAD"
}

// httpRefuse answers a request the server cannot take as Go's net/http
// does (a status, Connection: close, the status as the body, no
// Content-Length) and closes.
func httpRefuse(s *lab.Side, conn *lab.Conn, br *httpBadRequest) error {
	what := lab.Tf("the request cannot be served (%s): %s", "这个请求无法处理（%s）：%s", br.status, br.why)
	if s.Who() == "" {
		s.Note(what) // lab run 16 --set 'path=/a b': the demo's own client, on purpose
	} else { // lab serve 16: a real client's request, and its bug
		s.Verdict(&lab.Verdict{ID: "bad-request", What: what, Hint: lab.T(
			`a request is "GET /path HTTP/1.1\r\n", header lines "Name: value\r\n" (Host is required), then an empty line "\r\n"`,
			`请求的格式是 "GET /路径 HTTP/1.1\r\n"，然后是 "名字: 值\r\n" 形式的报头行（Host 是必需的），最后是一个空行 "\r\n"`)})
	}
	resp, marks := httpResponseBytes(br.status, []string{"Content-Type: text/plain; charset=utf-8", "Connection: close"}, []byte(br.status), false)
	s.Step("response")
	if err := conn.SendParts(resp, marks...); err != nil {
		return err
	}
	return conn.Close()
}
