//go:build ignore

// ftp-server, reference solution in Go (demo 18, lab ftp): ref.py's server.
// One goroutine per connection; commands from a fixed table; users from
// LAB_FTP_USERS (salted scrypt hashes, the cost read from each hash; scrypt
// written out below from RFC 7914 on crypto/pbkdf2, so that the file needs
// the standard library only: golang.org/x/crypto/scrypt is the same); each
// user's files in LAB_FTP_ROOT/<name>, opened through an os.Root so that no
// name leaves it.
//
//	go run ref.go {port}        (or: ref.go {host} {port}, or LAB_HOST / LAB_PORT)
package main

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/bits"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	maxHeader = 16384
	chunk     = 64 << 10
)

var (
	usersFile = env("LAB_FTP_USERS", "users.json")
	root      = env("LAB_FTP_ROOT", "ftp-root")
)

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func addr() string {
	host, port := env("LAB_HOST", "127.0.0.1"), env("LAB_PORT", "9000")
	switch args := os.Args[1:]; len(args) {
	case 1:
		port = args[0]
	case 2:
		host, port = args[0], args[1]
	}
	return net.JoinHostPort(host, port)
}

func checkPassword(name, password string) bool {
	b, err := os.ReadFile(usersFile)
	if err != nil {
		return false
	}
	var f struct {
		Users []struct{ Name, Hash string }
	}
	if json.Unmarshal(b, &f) != nil {
		return false
	}
	for _, u := range f.Users {
		if u.Name != name {
			continue
		}
		parts := strings.Split(u.Hash, "$") // "", "scrypt", "ln=..,r=..,p=..", salt, key
		if len(parts) != 5 {
			return false
		}
		c := map[string]int{}
		for _, kv := range strings.Split(parts[2], ",") {
			k, v, _ := strings.Cut(kv, "=")
			c[k], _ = strconv.Atoi(v)
		}
		salt, err1 := base64.RawStdEncoding.DecodeString(parts[3])
		key, err2 := base64.RawStdEncoding.DecodeString(parts[4])
		if err1 != nil || err2 != nil || c["ln"] < 1 || c["ln"] > 20 {
			return false
		}
		got, err := scryptKey(password, salt, 1<<c["ln"], c["r"], c["p"], len(key))
		return err == nil && subtle.ConstantTimeCompare(got, key) == 1
	}
	return false
}

// scryptKey is scrypt (RFC 7914): PBKDF2-HMAC-SHA256 spreads the password
// over p blocks of 128·r bytes, ROMix makes each depend on N earlier states
// kept in memory (128·r·N bytes), and PBKDF2 condenses the result.
func scryptKey(password string, salt []byte, n, r, p, keyLen int) ([]byte, error) {
	if r < 1 || p < 1 || r > 32 || p > 16 {
		return nil, errors.New("scrypt cost out of range")
	}
	b, err := pbkdf2.Key(sha256.New, password, salt, 1, p*128*r)
	if err != nil {
		return nil, err
	}
	for i := 0; i < p; i++ {
		roMix(b[i*128*r:(i+1)*128*r], r, n)
	}
	return pbkdf2.Key(sha256.New, password, b, 1, keyLen)
}

// roMix replaces b (2r blocks of 64 bytes) by scryptROMix(b, N).
func roMix(b []byte, r, n int) {
	words := 32 * r
	x := make([]uint32, words)
	for i := range x {
		x[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	v := make([]uint32, n*words)
	for i := 0; i < n; i++ {
		copy(v[i*words:], x)
		x = blockMix(x, r)
	}
	for i := 0; i < n; i++ {
		j := int(x[(2*r-1)*16] & uint32(n-1)) // Integerify mod N (N is a power of 2 below 2^32)
		for k := range x {
			x[k] ^= v[j*words+k]
		}
		x = blockMix(x, r)
	}
	for i, w := range x {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
}

// blockMix is scryptBlockMix: Salsa20/8 chained over the 2r blocks, the
// even outputs first, then the odd ones.
func blockMix(in []uint32, r int) []uint32 {
	out := make([]uint32, len(in))
	var x [16]uint32
	copy(x[:], in[(2*r-1)*16:])
	for i := 0; i < 2*r; i++ {
		for k := range x {
			x[k] ^= in[i*16+k]
		}
		salsa208(&x)
		dst := (i/2)*16 + (i%2)*r*16
		copy(out[dst:], x[:])
	}
	return out
}

// salsa208 is the Salsa20/8 core: four double rounds, then the input added.
func salsa208(b *[16]uint32) {
	x := *b
	qr := func(a, bb, c, d int) {
		x[bb] ^= bits.RotateLeft32(x[a]+x[d], 7)
		x[c] ^= bits.RotateLeft32(x[bb]+x[a], 9)
		x[d] ^= bits.RotateLeft32(x[c]+x[bb], 13)
		x[a] ^= bits.RotateLeft32(x[d]+x[c], 18)
	}
	for i := 0; i < 4; i++ {
		qr(0, 4, 8, 12)
		qr(5, 9, 13, 1)
		qr(10, 14, 2, 6)
		qr(15, 3, 7, 11)
		qr(0, 1, 2, 3)
		qr(5, 6, 7, 4)
		qr(10, 11, 8, 9)
		qr(15, 12, 13, 14)
	}
	for i := range b {
		b[i] += x[i]
	}
}

type request struct {
	Cmd      *string `json:"cmd"`
	User     string  `json:"user"`
	Password string  `json:"password"`
	FileName string  `json:"filename"`
	FileSize int64   `json:"filesize"`
	Offset   int64   `json:"offset"`
	Resume   bool    `json:"resume"`
	MD5      string  `json:"md5"`
	SHA256   string  `json:"sha256"`
}

type reply map[string]any

func send(c net.Conn, r reply) error {
	b, _ := json.Marshal(r)
	_, err := c.Write(append(binary.LittleEndian.AppendUint32(nil, uint32(len(b))), b...))
	return err
}

// session is one connection: the user logged in on it and their folder.
type session struct {
	c    net.Conn
	user string
	home *os.Root
}

var commands = map[string]func(*session, request) (quit bool, err error){
	"login": (*session).login, "ls": (*session).ls, "pwd": (*session).pwd, "quit": (*session).quit,
	"put": (*session).put, "get": (*session).get,
}

func (s *session) serve() {
	defer s.c.Close()
	defer func() {
		if s.home != nil {
			s.home.Close()
		}
	}()
	for {
		var head [4]byte
		if _, err := io.ReadFull(s.c, head[:]); err != nil {
			return
		}
		n := int32(binary.LittleEndian.Uint32(head[:]))
		if n <= 0 || n > maxHeader {
			send(s.c, reply{"status": 400, "msg": fmt.Sprintf("bad header length %d", n)})
			return
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(s.c, b); err != nil {
			return
		}
		var r request
		if json.Unmarshal(b, &r) != nil || r.Cmd == nil || r.FileSize < 0 || r.Offset < 0 {
			send(s.c, reply{"status": 400, "msg": "not a JSON request with a cmd"})
			return
		}
		run, ok := commands[*r.Cmd]
		if !ok {
			send(s.c, reply{"status": 400, "msg": "unknown command"})
			return
		}
		if *r.Cmd != "login" && *r.Cmd != "quit" && s.home == nil {
			if *r.Cmd == "put" && !r.Resume {
				if _, err := io.CopyN(io.Discard, s.c, r.FileSize); err != nil {
					return
				}
			}
			send(s.c, reply{"status": 401, "msg": "log in first"})
			continue
		}
		if quit, err := run(s, r); quit || err != nil {
			return
		}
	}
}

func (s *session) login(r request) (bool, error) {
	if s.home != nil {
		s.home.Close()
		s.home, s.user = nil, ""
	}
	if !checkPassword(r.User, r.Password) {
		return false, send(s.c, reply{"status": 401, "msg": "wrong user name or password"})
	}
	dir := filepath.Join(root, r.User)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, send(s.c, reply{"status": 500, "msg": err.Error()})
	}
	home, err := os.OpenRoot(dir)
	if err != nil {
		return false, send(s.c, reply{"status": 500, "msg": err.Error()})
	}
	s.home, s.user = home, r.User
	return false, send(s.c, reply{"status": 200, "msg": "welcome, " + r.User, "user": r.User, "path": "/"})
}

func (s *session) ls(request) (bool, error) {
	f, err := s.home.Open(".")
	if err != nil {
		return false, send(s.c, reply{"status": 500, "msg": err.Error()})
	}
	defer f.Close()
	list, _ := f.ReadDir(-1)
	entries := []reply{}
	for _, e := range list {
		if strings.HasSuffix(e.Name(), ".part") {
			continue
		}
		info, err := e.Info()
		if err == nil {
			entries = append(entries, reply{"name": e.Name(), "size": info.Size(), "dir": e.IsDir()})
		}
	}
	return false, send(s.c, reply{"status": 200, "msg": fmt.Sprintf("%d names", len(entries)), "path": "/", "entries": entries})
}

func (s *session) pwd(request) (bool, error) {
	return false, send(s.c, reply{"status": 200, "msg": "/", "path": "/"})
}

func (s *session) quit(request) (bool, error) {
	send(s.c, reply{"status": 200, "msg": "bye"})
	return true, nil
}

// safe is the name as a path inside the home, or "" when it would leave it.
// The os.Root refuses what this misses (links out).
func safe(name string) string {
	if name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\\") || (len(name) >= 2 && name[1] == ':') {
		return ""
	}
	for _, r := range name {
		if r < 32 || r == 127 {
			return ""
		}
	}
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch {
		case p == "" || p == ".":
		case p == "..":
			if len(parts) == 0 {
				return ""
			}
			parts = parts[:len(parts)-1]
		case strings.HasPrefix(p, ".") && strings.HasSuffix(p, ".part"):
			return ""
		default:
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

func partOf(p string) string {
	dir, base := filepath.Split(p)
	return dir + "." + base + ".part"
}

func digests(f io.Reader) (string, string, error) {
	m, h := md5.New(), sha256.New()
	_, err := io.CopyBuffer(io.MultiWriter(m, h), f, make([]byte, chunk))
	return hex.EncodeToString(m.Sum(nil)), hex.EncodeToString(h.Sum(nil)), err
}

func (s *session) put(r request) (bool, error) {
	p := safe(r.FileName)
	if p == "" {
		if !r.Resume {
			if _, err := io.CopyN(io.Discard, s.c, r.FileSize); err != nil {
				return false, err
			}
		}
		return false, send(s.c, reply{"status": 403, "msg": fmt.Sprintf("refused: %q", r.FileName)})
	}
	part := partOf(p)
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	have := int64(0)
	if r.Resume {
		if info, err := s.home.Stat(part); err == nil && info.Size() <= r.FileSize {
			have, flags = info.Size(), os.O_WRONLY|os.O_APPEND
		}
	}
	f, err := s.home.OpenFile(part, flags, 0o644)
	if err != nil {
		if !r.Resume {
			io.CopyN(io.Discard, s.c, r.FileSize)
		}
		return false, send(s.c, reply{"status": 403, "msg": err.Error()})
	}
	if r.Resume {
		if err := send(s.c, reply{"status": 100, "msg": fmt.Sprintf("send from byte %d", have), "filename": r.FileName, "offset": have}); err != nil {
			f.Close()
			return false, err
		}
	}
	_, err = io.CopyBuffer(f, io.LimitReader(s.c, r.FileSize-have), make([]byte, chunk))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if info, serr := s.home.Stat(part); err == nil && (serr != nil || info.Size() != r.FileSize) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		if !r.Resume {
			s.home.Remove(part)
		}
		return false, err
	}
	rf, err := s.home.Open(part)
	if err != nil {
		return false, send(s.c, reply{"status": 500, "msg": err.Error()})
	}
	m, sh, err := digests(rf)
	rf.Close()
	if err != nil || (r.MD5 != "" && !strings.EqualFold(r.MD5, m)) || (r.SHA256 != "" && !strings.EqualFold(r.SHA256, sh)) {
		s.home.Remove(part)
		return false, send(s.c, reply{"status": 422, "msg": "checksum mismatch"})
	}
	if err := s.home.Rename(part, p); err != nil {
		return false, send(s.c, reply{"status": 409, "msg": err.Error()})
	}
	return false, send(s.c, reply{"status": 200, "msg": "stored", "filename": r.FileName, "filesize": r.FileSize, "md5": m, "sha256": sh})
}

func (s *session) get(r request) (bool, error) {
	p := safe(r.FileName)
	if p == "" {
		return false, send(s.c, reply{"status": 403, "msg": fmt.Sprintf("refused: %q", r.FileName)})
	}
	f, err := s.home.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, send(s.c, reply{"status": 404, "msg": "no such file"})
	} else if err != nil {
		return false, send(s.c, reply{"status": 403, "msg": err.Error()})
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return false, send(s.c, reply{"status": 404, "msg": "not a file"})
	}
	m, sh, err := digests(f)
	if err != nil {
		return false, send(s.c, reply{"status": 500, "msg": err.Error()})
	}
	size, off := info.Size(), min(r.Offset, info.Size())
	if err := send(s.c, reply{"status": 200, "msg": fmt.Sprintf("%d bytes follow", size-off), "filename": r.FileName,
		"filesize": size, "offset": off, "md5": m, "sha256": sh}); err != nil {
		return false, err
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return false, err
	}
	_, err = io.CopyBuffer(s.c, io.LimitReader(f, size-off), make([]byte, chunk))
	return false, err
}

func main() {
	ln, err := net.Listen("tcp", addr())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ftp-server: serving", root, "on", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go (&session{c: c}).serve()
	}
}
