package wire_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"socketlab/demos/wire"
)

func ExampleAppendHeader() {
	little, _ := wire.AppendHeader(nil, wire.Little, 5)
	big, _ := wire.AppendHeader(nil, wire.Big, 5)
	fmt.Printf("struct.pack('i', 5)  = % x\n", little)
	fmt.Printf("struct.pack('!I', 5) = % x\n", big)

	// Python: struct.error: 'i' format requires -2147483648 <= number <= 2147483647
	_, err := wire.AppendHeader(nil, wire.Little, 1111111111111)
	fmt.Println(err)
	// Output:
	// struct.pack('i', 5)  = 05 00 00 00
	// struct.pack('!I', 5) = 00 00 00 05
	// frame length 1111111111111 exceeds limit 2147483647
}

func ExampleParseHeader() {
	// The same 4 bytes, read in each order.
	h := []byte{0x00, 0x00, 0x00, 0x05}
	for _, o := range []wire.Order{wire.Big, wire.Little} {
		n, err := wire.ParseHeader(h, o, 0)
		fmt.Printf("%v: %d, %v\n", o, n, err)
	}
	// Output:
	// big-endian: 5, <nil>
	// little-endian: 0, frame length 83886080 exceeds limit 67108864
}

func ExampleWriteFrame() {
	var conn bytes.Buffer // a socket, in a real program
	wire.WriteFrame(&conn, wire.Little, []byte("hello"))
	wire.WriteFrame(&conn, wire.Little, []byte("hi"))
	fmt.Printf("% x\n", conn.Bytes())
	// Output:
	// 05 00 00 00 68 65 6c 6c 6f 02 00 00 00 68 69
}

func ExampleReadFrame() {
	// Two frames stuck together, as one recv may return them.
	conn := strings.NewReader("\x05\x00\x00\x00hello\x02\x00\x00\x00hi")
	for {
		payload, err := wire.ReadFrame(conn, wire.Little, 1024)
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Printf("%q\n", payload)
	}
	// Output:
	// "hello"
	// "hi"
}

func ExampleReadFrame_errors() {
	for _, input := range []string{
		"\xff\xff\xff\x7f",         // 2147483647: refused before any allocation
		"\xfb\xff\xff\xff",         // -5
		"\x0a\x00\x00\x00abc",      // 10 announced, 3 sent, then the peer closed
		"\x0a\x00\x00\x00abcdefgh", // 10 announced, 8 sent
	} {
		_, err := wire.ReadFrame(strings.NewReader(input), wire.Little, 0)
		fmt.Println(err)
	}
	// Output:
	// read header: frame length 2147483647 exceeds limit 67108864
	// read header: negative frame length -5
	// read body: unexpected EOF: got 3 of 10 bytes, 7 missing
	// read body: unexpected EOF: got 8 of 10 bytes, 2 missing
}

func ExampleShortError() {
	_, err := wire.ReadFrame(strings.NewReader("\x0a\x00\x00\x00abc"), wire.Little, 0)
	var short *wire.ShortError
	if errors.As(err, &short) {
		fmt.Println("missing:", short.Want-short.Got)
	}
	fmt.Println(errors.Is(err, io.ErrUnexpectedEOF))
	// Output:
	// missing: 7
	// true
}

func ExampleAppendJSON() {
	b, _ := wire.AppendJSON(nil, wire.JSONHeader{DataSize: 5})
	fmt.Printf("% x | %s\n", b[:wire.HeaderSize], b[wire.HeaderSize:])

	put := wire.JSONHeader{Cmd: "put", FileName: "a.txt", FileSize: 3, DataSize: 3}
	b, _ = wire.AppendJSON(nil, put)
	fmt.Printf("% x | %s\n", b[:wire.HeaderSize], b[wire.HeaderSize:])
	// Output:
	// 0f 00 00 00 | {"datasize": 5}
	// 41 00 00 00 | {"cmd": "put", "filename": "a.txt", "filesize": 3, "datasize": 3}
}

func ExampleReadJSONHeader() {
	// The tutorial's FTP client: a put header, then the file's bytes.
	head := []byte(`{"cmd": "put", "filesize": 6, "filename": "a.txt"}`)
	length, _ := wire.AppendHeader(nil, wire.Little, len(head))
	var conn bytes.Buffer
	conn.Write(length)
	conn.Write(head)
	conn.WriteString("hello\n")

	h, err := wire.ReadJSONHeader(&conn, 1<<30)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s, %d bytes:\n", h.Cmd, h.FileName, h.DataSize)
	// A file server streams the body to a file instead of holding it.
	if _, err := wire.CopyN(os.Stdout, &conn, h.DataSize); err != nil {
		fmt.Println(err)
	}
	// Output:
	// put a.txt, 6 bytes:
	// hello
}

func ExampleReadJSON() {
	var conn bytes.Buffer
	wire.WriteJSON(&conn, wire.JSONHeader{Cmd: "dir"}, []byte("a.txt b.txt"))
	fmt.Printf("%q\n", conn.String())

	h, body, err := wire.ReadJSON(&conn, 1024)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("cmd %q, datasize %d, body %q\n", h.Cmd, h.DataSize, body)
	// Output:
	// "\x1e\x00\x00\x00{\"cmd\": \"dir\", \"datasize\": 11}a.txt b.txt"
	// cmd "dir", datasize 11, body "a.txt b.txt"
}

func ExampleAppendText() {
	h, _ := wire.AppendText(nil, 5)
	fmt.Printf("%q = % x\n", h, h)
	// Output:
	// "5         " = 35 20 20 20 20 20 20 20 20 20
}

func ExampleReadText() {
	conn := strings.NewReader("5         hello12        oops")
	for {
		payload, err := wire.ReadText(conn, 1024)
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Printf("%q\n", payload)
	}
	// Output:
	// "hello"
	// read body: unexpected EOF: got 4 of 12 bytes, 8 missing
}

func ExampleReadLine() {
	conn := strings.NewReader("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")
	r := bufio.NewReader(conn)
	for {
		line, err := wire.ReadLine(r, 1024)
		if err != nil {
			fmt.Println(err)
			return
		}
		if len(line) == 0 {
			break // end of the headers
		}
		fmt.Printf("%q\n", line)
	}
	// The body is still there, in r's buffer.
	body, _ := io.ReadAll(r)
	fmt.Printf("body: %q\n", body)
	// Output:
	// "HTTP/1.0 200 OK"
	// "Content-Length: 5"
	// body: "hello"
}

func ExampleParsePickle_bomb() {
	// 375 bytes that Python loads in a moment: a list holding the same list
	// twice, 19 times over, down to one bytes value, referred to 524,288
	// times through the memo. Copied out as Go values, that is 99 MB.
	_, err := wire.ParsePickle(pickleBomb(189, 19), 0)
	fmt.Println(err)
	fmt.Println(errors.Is(err, wire.ErrTooLarge))
	// Output:
	// pickle: decoded value exceeds limit 113536 bytes (128 for each of the pickle's 375 bytes, plus 65536): every reference to a shared value (BINGET, DUP) counts again
	// true
}

func ExampleCheckGob() {
	// What gob writes for {"a": 1}, with the map's count of entries set to
	// a hundred million: gob would allocate gigabytes for it.
	bomb, _ := hex.DecodeString("0d7f040102ff8000010c0110000014ff8000fc05f5e100016105696e74363404020002")
	err := wire.CheckGob(bomb, 0)
	fmt.Println(err)
	fmt.Println(errors.Is(err, wire.ErrGobCount))
	// Output:
	// gob: a count larger than the bytes that follow: 100000000 elements, 12 bytes follow
	// true
}
