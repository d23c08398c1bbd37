package ftp

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// The users file keeps, for each user, only a salted slow hash of the
// password, never the password:
//
//	{"version": 1, "users": [{"name": "alice", "hash": "$scrypt$ln=14,r=8,p=5$<salt>$<key>"}]}
//
// The hash is scrypt (memory-hard: every guess costs 2^ln × r × 128 bytes
// of memory and as much time, so a stolen file cannot be tried at the
// speed of a plain SHA-256), with a 16-byte random salt so that two users
// with the same password get different hashes, salt and key in unpadded
// standard base64.

// Params are scrypt's cost parameters: N = 2^LogN, r and p.
type Params struct{ LogN, R, P int }

// DefaultParams are OWASP's scrypt row N=2^14, r=8, p=5: 16 MiB of memory
// per hash (128 × r × N bytes; p repeats the work, not the memory), as
// costly in time as N=2^15, r=8, p=1 at half its memory, so that a server
// logging a user in stays well under 50 MB. New hashes get these; an old
// hash is verified with the parameters written in it (ln=15,r=8,p=1 files
// still work).
var DefaultParams = Params{LogN: 14, R: 8, P: 5}

// TestParams are cheap, for tests only.
var TestParams = Params{LogN: 10, R: 8, P: 1}

const (
	saltSize      = 16
	keySize       = 32
	maxUsersFile  = 1 << 20 // bytes
	maxPassword   = 1024    // bytes
	maxLogN       = 20      // 2^20 × 8 × 128 = 1 GiB: refuse more, whatever the file says
	usersVersion  = 1
	hashPrefix    = "$scrypt$"
	passwordLimit = "a password is 1 to 1024 bytes"
)

var nameRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)

// CheckName says whether name may be a user's name: lower-case letters,
// digits, _ and -, starting with a letter or _, at most 32 characters.
// It is also the name of the user's home folder.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("user name %q: use 1 to 32 lower-case letters, digits, _ or -, starting with a letter", cutS(name))
	}
	return nil
}

// CheckPassword refuses an empty or overlong password.
func CheckPassword(pw string) error {
	if pw == "" || len(pw) > maxPassword {
		return errors.New(passwordLimit)
	}
	return nil
}

// Hash returns the users-file hash of password, salted with bytes from
// random (crypto/rand when nil).
func Hash(password string, p Params, random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	salt := make([]byte, saltSize)
	if _, err := io.ReadFull(random, salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key, err := scrypt.Key([]byte(password), salt, 1<<p.LogN, p.R, p.P, keySize)
	if err != nil {
		return "", fmt.Errorf("scrypt: %w", err)
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("%sln=%d,r=%d,p=%d$%s$%s", hashPrefix, p.LogN, p.R, p.P,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// parsedHash is a hash taken apart.
type parsedHash struct {
	p         Params
	salt, key []byte
}

func parseHash(h string) (parsedHash, error) {
	var ph parsedHash
	bad := errors.New("not a $scrypt$ln=…,r=…,p=…$salt$key hash")
	rest, ok := strings.CutPrefix(h, hashPrefix)
	if !ok {
		return ph, bad
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return ph, bad
	}
	for _, kv := range strings.Split(parts[0], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return ph, bad
		}
		switch k {
		case "ln":
			ph.p.LogN = n
		case "r":
			ph.p.R = n
		case "p":
			ph.p.P = n
		default:
			return ph, bad
		}
	}
	if ph.p.LogN < 1 || ph.p.LogN > maxLogN || ph.p.R < 1 || ph.p.R > 32 || ph.p.P < 1 || ph.p.P > 16 {
		return ph, fmt.Errorf("scrypt cost ln=%d,r=%d,p=%d is out of range", ph.p.LogN, ph.p.R, ph.p.P)
	}
	var err error
	b64 := base64.RawStdEncoding
	if ph.salt, err = b64.DecodeString(parts[1]); err != nil || len(ph.salt) < 8 {
		return ph, bad
	}
	if ph.key, err = b64.DecodeString(parts[2]); err != nil || len(ph.key) < 16 || len(ph.key) > 64 {
		return ph, bad
	}
	return ph, nil
}

// verify says whether password matches the hash, comparing in constant time.
func (ph parsedHash) verify(password string) bool {
	key, err := scrypt.Key([]byte(password), ph.salt, 1<<ph.p.LogN, ph.p.R, ph.p.P, len(ph.key))
	if ph.p.memory() >= freeAfter {
		// The hash's 16 MiB are garbage now. Left to the collector, they
		// would double the heap goal, and a transfer after the login would
		// grow the process by as much again before the next collection;
		// returned at once, the server stays at its login peak (about
		// 31 MB for lab ftp serve; 47 MB without this, after a 1 GB put).
		debug.FreeOSMemory()
	}
	return err == nil && subtle.ConstantTimeCompare(key, ph.key) == 1
}

// freeAfter is the hash memory from which verify returns it to the system.
const freeAfter = 4 << 20

// memory is what one hash at these parameters allocates: 128 × r × N bytes.
func (p Params) memory() int { return 128 * p.R << p.LogN }

// A User is one entry of the users file.
type User struct {
	Name string `json:"name"`
	Hash string `json:"hash"`
}

// Users is the users file, read once when the server starts.
type Users struct {
	byName map[string]parsedHash
	dummy  parsedHash // checked for an unknown name, so that it takes as long as a known one
}

type usersFile struct {
	Version int    `json:"version"`
	Users   []User `json:"users"`
}

// ReadUsers reads a users file. A missing file is an error that matches
// fs.ErrNotExist; a file that is too big, not JSON or has a bad entry is
// an error naming the entry (never a hash or a password).
func ReadUsers(path string) (*Users, error) {
	list, err := readFile(path)
	if err != nil {
		return nil, err
	}
	u := &Users{byName: map[string]parsedHash{}}
	for i, e := range list {
		if err := CheckName(e.Name); err != nil {
			return nil, fmt.Errorf("users file %s: entry %d: %w", path, i+1, err)
		}
		ph, err := parseHash(e.Hash)
		if err != nil {
			return nil, fmt.Errorf("users file %s: user %s: %w", path, e.Name, err)
		}
		u.byName[e.Name] = ph
	}
	// The dummy costs as much as the first user's hash; no password matches
	// its key (all zero) but the time taken is the same.
	u.dummy = parsedHash{p: DefaultParams, salt: make([]byte, saltSize), key: make([]byte, keySize)}
	if len(list) > 0 {
		u.dummy.p = u.byName[list[0].Name].p
	}
	return u, nil
}

func readFile(path string) ([]User, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxUsersFile+1))
	if err != nil {
		return nil, fmt.Errorf("read users file: %w", err)
	}
	if len(b) > maxUsersFile {
		return nil, fmt.Errorf("users file %s is larger than %d bytes", path, maxUsersFile)
	}
	var uf usersFile
	if err := json.Unmarshal(b, &uf); err != nil {
		return nil, fmt.Errorf("users file %s is not the lab's JSON: %v", path, err)
	}
	if uf.Version != usersVersion {
		return nil, fmt.Errorf("users file %s: version %d, want %d", path, uf.Version, usersVersion)
	}
	return uf.Users, nil
}

// Names lists the users, sorted.
func (u *Users) Names() []string {
	var n []string
	for k := range u.byName {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// Len is how many users there are.
func (u *Users) Len() int { return len(u.byName) }

// Check says whether name and password belong together. An unknown name
// costs as much as a known one, so the time taken does not tell which
// names exist.
func (u *Users) Check(name, password string) bool {
	ph, ok := u.byName[name]
	if !ok {
		u.dummy.verify(password)
		return false
	}
	return ph.verify(password)
}

// AddUser adds name with password to the users file at path, or changes
// the password of an existing name, creating the file (mode 0600, its
// folder 0700) when there is none. The file is replaced in one rename, so
// a crash never leaves half of it. It reports whether the user existed.
func AddUser(path, name, password string, p Params) (existed bool, err error) {
	if err := CheckName(name); err != nil {
		return false, err
	}
	if err := CheckPassword(password); err != nil {
		return false, err
	}
	list, err := readFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	h, err := Hash(password, p, nil)
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(list, func(u User) bool { return u.Name == name })
	if existed = i >= 0; existed {
		list[i].Hash = h
	} else {
		list = append(list, User{Name: name, Hash: h})
	}
	b, err := json.MarshalIndent(usersFile{Version: usersVersion, Users: list}, "", "  ")
	if err != nil {
		return false, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("make the users file's folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".users-*.tmp")
	if err != nil {
		return false, fmt.Errorf("write users file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return false, fmt.Errorf("write users file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("write users file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("write users file: %w", err)
	}
	return existed, nil
}
