package exercise

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"socketlab/demos"
	"socketlab/lab"
)

// upload-server (demo 15, proto=json): files behind a JSON header, stored
// in uploads/ under the program's folder; unsafe names refused.
//
// The hostile name climbs one level only (../lab-check-<random>.txt): a
// vulnerable server writes next to uploads/, into its own working folder,
// never further; the lab looks for that file, reports it and removes it.

func uploadServer() Exercise {
	return Exercise{
		Slug: "upload-server", Role: Server, Demo: 15, Proto: "tcp",
		Title: lab.T("an upload server that keeps files in their folder", "把文件安全地存进自己文件夹的上传服务端"),
		Task: lab.T(`Write the server of lesson 15 (lab serve 15's proto=json): listen on TCP port
LAB_PORT ({port}); on each connection, until the client closes, read one
upload after another: a 4-byte struct.pack('i') length, that many bytes of a
UTF-8 JSON header {"cmd": "put", "filename": …, "filesize": n}, then exactly n
bytes of file. Store each file as uploads/<filename> under your working folder
(make uploads/ if it is missing). Refuse an unsafe name (empty, "." or "..",
with "/" or "\", absolute, NUL): read and discard its n bytes, store nothing.
A negative or huge length ends that connection, never the server. A reply per
file is optional: the lab looks at the disk.

  lab sends  2d 00 00 00  {"cmd": "put", "filename": "a.txt", "filesize": 5}  68 65 6c 6c 6f
             (45, the JSON header, "hello")       → you write uploads/a.txt = "hello"`,
			`写出第 15 课的服务端（lab serve 15 的 proto=json）：在 TCP 端口 LAB_PORT（{port}）上监听；
每个连接上，直到客户端关闭，一个接一个地读上传：4 字节 struct.pack('i') 长度，这么多字节的
UTF-8 JSON 报头 {"cmd": "put", "filename": …, "filesize": n}，然后正好 n 个字节的文件内容。
把每个文件存成工作文件夹下的 uploads/<filename>（没有 uploads/ 就建一个）。拒绝不安全的文件名
（空、"." 或 ".."、含 "/" 或 "\"、绝对路径、NUL）：读掉并丢弃它的 n 个字节，什么也不存。
负数或过大的长度只结束那个连接，绝不结束服务端。每个文件回不回复都可以：实验台只看磁盘。

  实验台发送  2d 00 00 00  {"cmd": "put", "filename": "a.txt", "filesize": 5}  68 65 6c 6c 6f
             （45、JSON 报头、"hello"）          → 你写出 uploads/a.txt = "hello"`),
		Cases: []Case{
			{ID: "plain", Name: lab.T("lab client 15 uploads notes.txt (100 KB)", "lab client 15 上传 notes.txt（100 KB）"),
				Hint: lab.T("read the 4-byte length, then exactly that many header bytes, json.loads them, then loop until all filesize bytes are in uploads/<filename>",
					"读 4 字节长度，再正好读这么多字节的报头并 json.loads，然后循环接收，直到 filesize 个字节全部写进 uploads/<filename>"),
				Client: func(t *T) error {
					if err := t.Peer(15, "proto=json", "name=notes.txt", "size=102400"); err != nil {
						return err
					}
					return t.stored("notes.txt", 102400, demos.UploadSHA(102400))
				}},
			{ID: "sliced", Name: lab.T("the length and header in 1-byte sends, the file in 100-byte ones", "长度和报头拆成 1 字节一次发送，文件 100 字节一次"),
				Hint: lab.T("the header came in pieces: one recv(4) or recv(headsize) returns fewer bytes; loop until you have them all",
					"报头是分几片到达的：一次 recv(4) 或 recv(headsize) 返回的字节会少于要的；循环接收，直到全部收齐"),
				Client: func(t *T) error { return t.uploads(nil, upload{name: "sliced.txt", data: letters(3000), sliced: true}) }},
			{ID: "several", Name: lab.T("three files on one connection, in one send", "一个连接上三个文件，一次发出"),
				Hint: lab.T("read exactly filesize bytes of each file, no more (ask for min(1024, filesize - recv_size) each time): the next header follows right after it, maybe in the same recv()",
					"每个文件正好读 filesize 个字节，不能多读（每次要 min(1024, filesize - recv_size) 个）：下一个报头紧跟在后面，可能就在同一次 recv() 里"),
				Client: func(t *T) error {
					return t.uploads(nil, upload{name: "one.txt", data: []byte("one\n")}, upload{name: "two.txt", data: letters(5000)}, upload{name: "three.txt", data: []byte("3")})
				}},
			{ID: "big", Name: lab.T("a 1.5 MB file", "一个 1.5 MB 的文件"),
				Hint:   lab.T("loop until all filesize bytes have arrived, and write each piece as it comes", "循环接收，直到 filesize 个字节全部到达，每收到一块就写一块"),
				Client: func(t *T) error { return t.uploads(nil, upload{name: "big.bin", data: letters(1536 << 10)}) }},
			{ID: "traversal", Name: lab.T(`a file named "../lab-check-<random>.txt", then a safe one`, `一个名叫 "../lab-check-<随机>.txt" 的文件，然后一个安全的`),
				Hint: lab.T("never use the name the client sent as a path: refuse a name with \"..\", \"/\" or \"\\\" (or keep only os.path.basename), and check the final path is inside uploads/",
					"绝不要把客户端发来的名字直接当路径用：拒绝含 \"..\"、\"/\" 或 \"\\\" 的名字（或者只取 os.path.basename），并检查最终路径在 uploads/ 里面"),
				Client: uploadTraversal},
			{ID: "empty-name", Name: lab.T(`a file with an empty name, then a safe one`, `一个名字为空的文件，然后一个安全的`),
				Hint: lab.T("refuse an empty name (it names the folder itself) and discard its bytes, so that the next header is read in step",
					"拒绝空名字（它指的是文件夹本身），并丢弃它的字节，这样下一个报头才能对得上"),
				Client: func(t *T) error {
					return t.uploads(nil, upload{name: "", data: []byte("nameless"), refused: true}, upload{name: "after-empty.txt", data: []byte("fine")})
				}},
			{ID: "negative", Name: lab.T("a header length of -1, then a new client with a file", "报头长度为 -1，然后一个新客户端上传文件"),
				Hint: lab.T("check the length before using it: a negative or huge length must close that connection, not crash the server or allocate it",
					"使用长度之前先检查：负数或过大的长度应当关闭这个连接，而不是让服务端崩溃或照着它分配内存"),
				Client: uploadNegative},
			{ID: "next-client", Name: lab.T("two clients one after another, a file each", "两个客户端先后连接，各传一个文件"),
				Hint: lab.T("put accept() in a loop and end a connection when recv() returns b''", "把 accept() 放进循环，recv() 返回 b'' 时结束这个连接"),
				Client: func(t *T) error {
					if err := t.uploads(nil, upload{name: "first.txt", data: []byte("first")}); err != nil {
						return err
					}
					return afterOther(t.uploads(nil, upload{name: "second.txt", data: []byte("second")}))
				}},
		},
	}
}

type upload struct {
	name    string
	data    []byte
	sliced  bool // header in 1-byte pieces, the file in 100-byte ones
	refused bool // an unsafe name: nothing may be stored
}

// putHeader is 'i' + the JSON header of a put.
func putHeader(name string, size int64) []byte {
	n, _ := json.Marshal(name)
	obj := fmt.Sprintf(`{"cmd": "put", "filename": %s, "filesize": %d}`, n, size)
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(obj))), obj...)
}

// uploads sends the files on one connection (on c, or a new one), then
// half-closes and checks the disk.
func (t *T) uploads(c *lab.Conn, ups ...upload) error {
	if c == nil {
		var err error
		if c, err = t.Dial(); err != nil {
			return err
		}
	}
	defer c.Close()
	var all []byte
	for _, u := range ups {
		head := putHeader(u.name, int64(len(u.data)))
		if u.sliced {
			if err := sendSliced(c, head, 1); err != nil {
				return err
			}
			waitRead(c)
			if err := sendSliced(c, u.data, 100); err != nil {
				return err
			}
			continue
		}
		all = append(append(all, head...), u.data...)
	}
	replies := make(chan struct{}) // the checker reads (optional replies) while it writes
	go func() {
		defer close(replies)
		for {
			if b, err := c.Recv(64 << 10); err != nil || len(b) == 0 {
				return
			}
		}
	}()
	if len(all) > 0 {
		c.SendAll(all) // a server that closes early: the disk says what arrived
	}
	c.CloseWrite()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	<-replies
	for _, u := range ups {
		if u.refused {
			continue
		}
		sum := sha256.Sum256(u.data)
		if err := t.stored(u.name, int64(len(u.data)), hex.EncodeToString(sum[:])); err != nil {
			return err
		}
	}
	return nil
}

// stored waits until uploads/name holds size bytes with that SHA-256.
func (t *T) stored(name string, size int64, sum string) error {
	path := filepath.Join(t.Dir, "uploads", name)
	end := time.Now().Add(t.Timeout)
	var got []byte
	var err error
	for time.Now().Before(end) {
		if got, err = os.ReadFile(path); err == nil && int64(len(got)) == size {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(lab.Tf("uploads/%s was not stored", "uploads/%s 没有存下来", name))
	case err != nil:
		return fail(lab.Tf("uploads/%s: %v", "uploads/%s：%v", name, err))
	}
	h := sha256.Sum256(got)
	if int64(len(got)) != size || hex.EncodeToString(h[:]) != sum {
		return fail(lab.Tf("uploads/%s has %d bytes, not the %d bytes sent", "uploads/%s 有 %d 个字节，不是发送的那 %d 个字节", name, len(got), size))
	}
	return nil
}

func uploadTraversal(t *T) error {
	var r [8]byte
	rand.Read(r[:])
	base := "lab-check-" + hex.EncodeToString(r[:]) + ".txt"
	name := "../" + base
	outside := filepath.Join(t.Dir, base) // uploads/../base
	defer os.Remove(outside)
	c, err := t.Dial()
	if err != nil {
		return err
	}
	err = t.uploads(c, upload{name: name, data: []byte("the lab was here\n"), refused: true}, upload{name: "after-traversal.txt", data: []byte("safe")})
	if _, serr := os.Stat(outside); serr == nil {
		os.Remove(outside)
		return failHint(lab.Tf("your server wrote %s, outside uploads/ (the lab removed it)", "你的服务端写出了 %s，在 uploads/ 之外（实验台已把它删除）", outside),
			lab.T("it wrote to the name the client sent: never use that name as a path (../x climbs out of uploads/); refuse \"..\", \"/\" and \"\\\" (or keep only os.path.basename) and check the final path is inside uploads/",
				"它直接写到了客户端发来的名字：绝不要把这个名字当路径用（../x 会爬出 uploads/）；拒绝 \"..\"、\"/\" 和 \"\\\"（或者只取 os.path.basename），并检查最终路径在 uploads/ 里面"))
	}
	if err != nil {
		// Refusing by closing the connection is allowed: the next client must be served.
		if err2 := t.uploads(nil, upload{name: "after-traversal.txt", data: []byte("safe")}); err2 != nil {
			return err
		}
	}
	return nil
}

func uploadNegative(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	c.SendAll(binary.LittleEndian.AppendUint32(nil, 0xffffffff)) // struct.pack('i', -1)
	c.CloseWrite()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		if b, err := c.Recv(1024); err != nil || len(b) == 0 {
			break
		}
	}
	c.Close()
	return afterOther(t.uploads(nil, upload{name: "after-negative.txt", data: []byte("still serving")}))
}
